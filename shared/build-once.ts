/**
 * A function's dependencies, built on its first invocation and reused for the life of the
 * container. A build that fails (a secret that could not be read, DynamoDB unreachable) is not
 * kept: the next invocation builds again, instead of failing until the container is recycled.
 */
/**
 * A value built on its first use and kept for the life of the process: a zod schema that only some
 * invocations need (a management command's), built by the first that does rather than at every cold
 * start. A build that throws is not kept.
 */
export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}

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
