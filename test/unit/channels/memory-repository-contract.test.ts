/** The in-memory repository of the unit tests passes the same contract as the DynamoDB store. */
import { channelRepositoryContract } from '../../support/channel-repository-contract';
import { memoryChannelRepository } from '../../support/memory-channel-repository';

channelRepositoryContract('in memory', async () => {
  const memory = memoryChannelRepository();
  return {
    repo: memory.repo,
    plantLock: async (token, ownerId) => {
      memory.locks.set(token, ownerId);
    },
    markSigned: async (channelId, generation, at) => {
      const stored = memory.items.get(channelId);
      if (stored && stored.generation === generation) stored.signedSince ??= at;
    },
  };
});
