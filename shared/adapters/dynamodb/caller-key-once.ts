/**
 * `OncePerCallerKey` for channel management's `send` and `notify` (`requestId`): Powertools
 * Idempotency on the one table (caller-key-once-powertools.ts). Most commands carry no key, so
 * Idempotency and JMESPath are imported on the first command that does (a chunk of the channels
 * bundle, docs/DEPLOY.md "Bundling and cold start"), not at every cold start. A failed import is not
 * kept: the next command with a key imports again.
 */
import type { Context } from 'aws-lambda';
import type { OncePerCallerKey } from '../../channels/caller-key';
import type { CallerKeyOnceOptions } from './caller-key-once-powertools';

export function createCallerKeyOnce(options: CallerKeyOnceOptions): OncePerCallerKey {
  let store: OncePerCallerKey | undefined;
  let loading: Promise<OncePerCallerKey> | undefined;
  let context: Context | undefined;
  const load = (): Promise<OncePerCallerKey> => {
    loading ??= import('./caller-key-once-powertools.js').then(
      ({ createPowertoolsCallerKeyOnce }) => {
        store = createPowertoolsCallerKeyOnce(options);
        if (context) store.registerContext(context);
        return store;
      },
      (err: unknown) => {
        loading = undefined;
        throw err;
      },
    );
    return loading;
  };
  return {
    async run<T>(key: Parameters<OncePerCallerKey['run']>[0], command: unknown, run: () => Promise<T>) {
      return (store ?? (await load())).run(key, command, run);
    },
    registerContext(next) {
      context = next;
      store?.registerContext(next);
    },
  };
}
