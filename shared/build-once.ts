/**
 * A function's dependencies, built on its first invocation and reused for the life of the
 * container. A build that fails (a secret that could not be read, DynamoDB unreachable) is not
 * kept: the next invocation builds again, instead of failing until the container is recycled.
 */
export function buildOnce<T>(build: () => T | Promise<T>): () => Promise<T> {
  let ready: Promise<T> | undefined;
  return () => {
    ready ??= Promise.resolve()
      .then(build)
      .catch((err: unknown) => {
        ready = undefined;
        throw err;
      });
    return ready;
  };
}
