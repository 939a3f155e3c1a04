/**
 * Channel management use cases (DESIGN §4.1, the seed's lifecycle buttons): one file per command
 * in `commands/`, around the shared activation saga (`activation-saga.ts`):
 * CREATE / CREATE & ACTIVATE, APPLY (update of an active channel), SAVE / SAVE & ACTIVATE (update
 * of an inactive one), DEACTIVATE, DELETE, plus get and list.
 *
 * Invariants kept: a token lock exists only with an active channel (the store writes both in one
 * transaction); a failure after the lock was taken undoes it; APPLY with any failing check changes
 * nothing; an account change retires the old webhook URL.
 */
import { type CreateChannelInput, createChannelCommand } from './commands/create-channel';
import { type ChannelRefInput, deactivateChannelCommand } from './commands/deactivate-channel';
import { deleteChannelCommand } from './commands/delete-channel';
import { type UpdateChannelInput, updateChannelCommand } from './commands/update-channel';
import { getChannelCommand, type ListChannelsInput, listChannelsCommand } from './commands/view-channels';
import type { ChannelUseCaseDeps } from './ports';
import { type ChannelListResult, type ChannelResult, createUseCaseContext } from './use-case-context';

export type {
  ChannelListResult,
  ChannelRefInput,
  ChannelResult,
  CreateChannelInput,
  ListChannelsInput,
  UpdateChannelInput,
};

export interface ChannelUseCases {
  create(input: CreateChannelInput): Promise<ChannelResult>;
  update(input: UpdateChannelInput): Promise<ChannelResult>;
  deactivate(input: ChannelRefInput): Promise<ChannelResult>;
  remove(input: ChannelRefInput): Promise<ChannelResult>;
  get(input: ChannelRefInput): Promise<ChannelResult>;
  list(input: ListChannelsInput): Promise<ChannelListResult>;
}

export function createChannelUseCases(deps: ChannelUseCaseDeps): ChannelUseCases {
  const ctx = createUseCaseContext(deps);
  return {
    create: createChannelCommand(ctx),
    update: updateChannelCommand(ctx),
    deactivate: deactivateChannelCommand(ctx),
    remove: deleteChannelCommand(ctx),
    get: getChannelCommand(ctx),
    list: listChannelsCommand(ctx),
  };
}
