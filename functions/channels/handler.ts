/**
 * Channel management Lambda (DESIGN §4.1): parse the command, dispatch it to its use case, map the
 * outcome. Client mistakes are results (`ok: false`), never thrown errors.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { OncePerCallerKey } from '../../shared/channels/caller-key';
import type {
  ChannelListResult,
  ChannelResult,
  ChannelUseCases,
} from '../../shared/channels/channel-use-cases';
import type { NotifyCommandUseCase, NotifyResult } from '../../shared/channels/notify';
import { ConfigError } from '../../shared/config';
import { type ErrorResult, toErrorResult, ValidationError } from '../../shared/errors';
import { logger } from '../../shared/observability';
import type { SendCommandUseCase, SendResult } from '../../shared/outbound/send-command';
import { type ChannelAction, type CommandOf, parseChannelCommand } from './commands';
import { getChannelUseCases } from './composition';

export type ManagementResult = ChannelResult | ChannelListResult | SendResult | NotifyResult | ErrorResult;

/** The channel use cases plus `send` (the agent writes first; queued for the reply function). */
export type ManagementUseCases = ChannelUseCases & {
  send?: SendCommandUseCase;
  notify?: NotifyCommandUseCase;
  /** `requestId` of send/notify: once per channel and key. */
  callerKeys?: OncePerCallerKey;
};

type Dispatch = { [A in ChannelAction]: (command: CommandOf<A>) => Promise<ManagementResult> };

/** action → use case. A new command is one more entry here. */
export function createDispatch(useCases: ManagementUseCases): Dispatch {
  return {
    create: ({ agentId, channel, activate }) => useCases.create({ agentId, channel, activate }),
    update: ({ channelId, changes, activate, version }) =>
      useCases.update({ channelId, changes, activate, version }),
    deactivate: ({ channelId, version }) => useCases.deactivate({ channelId, version }),
    delete: ({ channelId, version }) => useCases.remove({ channelId, version }),
    get: ({ channelId }) => useCases.get({ channelId }),
    list: ({ agentId }) => useCases.list({ agentId }),
    send: (command) => {
      const { send } = useCases;
      if (!send) return Promise.reject(new ConfigError('send is not configured (OUTBOUND_QUEUE_URL)'));
      const { channelId, chatId, replies } = command;
      return oncePerKey(useCases, command, () => send({ channelId, chatId, replies }));
    },
    notify: (command) => {
      const { notify } = useCases;
      if (!notify) return Promise.reject(new ConfigError('notify is not configured (OUTBOUND_QUEUE_URL)'));
      const { action: _action, requestId: _key, ...input } = command;
      return oncePerKey(useCases, command, () => notify(input));
    },
  };
}

/** With a `requestId`, the command runs once per channel and key (24 h); without, every time. */
function oncePerKey<T>(
  useCases: ManagementUseCases,
  command: { channelId: string; requestId?: string | undefined },
  run: () => Promise<T>,
): Promise<T> {
  const { requestId, ...body } = command;
  if (requestId === undefined) return run();
  if (!useCases.callerKeys) {
    return Promise.reject(new ConfigError('requestId is not configured (TABLE_NAME)'));
  }
  return useCases.callerKeys.run({ channelId: command.channelId, requestId }, body, run);
}

export async function handleChannelCommand(
  event: unknown,
  useCases: ManagementUseCases,
): Promise<ManagementResult> {
  const parsed = parseChannelCommand(event);
  if (!parsed.ok) {
    logger.info('management command rejected', { paths: parsed.issues.map((i) => i.path) });
    return toErrorResult(new ValidationError(parsed.message ?? 'invalid command', parsed.issues));
  }
  const { command } = parsed;
  const run = createDispatch(useCases)[command.action] as (c: typeof command) => Promise<ManagementResult>;
  try {
    return await run(command);
  } catch (err) {
    const result = toErrorResult(err);
    if (result.error.code === 'INTERNAL')
      logger.error('management command failed', { action: command.action, error: err });
    else logger.info('management command refused', { action: command.action, code: result.error.code });
    return result;
  }
}

/** The function without Lambda middleware (tests, the local stack). */
export async function channelsHandler(event: unknown, context?: Context): Promise<ManagementResult> {
  let useCases: ManagementUseCases;
  try {
    useCases = await getChannelUseCases();
  } catch (err) {
    logger.error('channel management is misconfigured', { error: err });
    return toErrorResult(err);
  }
  if (context) useCases.callerKeys?.registerContext(context);
  return handleChannelCommand(event, useCases);
}

export const handler = middy(channelsHandler).use(injectLambdaContext(logger));
