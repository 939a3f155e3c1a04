/**
 * Channel management Lambda (DESIGN §4.1): parse the command, dispatch it to its use case, map the
 * outcome. Client mistakes are results (`ok: false`), never thrown errors.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
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
    send: ({ channelId, chatId, replies }) =>
      useCases.send
        ? useCases.send({ channelId, chatId, replies })
        : Promise.reject(new ConfigError('send is not configured (OUTBOUND_QUEUE_URL)')),
    notify: ({ action: _action, ...input }) =>
      useCases.notify
        ? useCases.notify(input)
        : Promise.reject(new ConfigError('notify is not configured (OUTBOUND_QUEUE_URL)')),
  };
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
export async function channelsHandler(event: unknown): Promise<ManagementResult> {
  let useCases: ManagementUseCases;
  try {
    useCases = await getChannelUseCases();
  } catch (err) {
    logger.error('channel management is misconfigured', { error: err });
    return toErrorResult(err);
  }
  return handleChannelCommand(event, useCases);
}

export const handler = middy(channelsHandler).use(injectLambdaContext(logger));
