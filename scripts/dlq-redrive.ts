/**
 * Moves dead-lettered messages back to their source queue, keeping their message groups.
 *
 *   npx tsx scripts/dlq-redrive.ts --queue inbound [--prefix chat2desk-channel] [--max 100] [--group <id>] [--dry-run]
 *   npx tsx scripts/dlq-redrive.ts --dlq-url <DLQ URL> --target-url <source queue URL>
 *
 * Fix the cause first (see docs/RUNBOOK.md): a message that fails again returns to the DLQ after
 * the queue's maxReceiveCount. --dry-run only shows what would move (same as dlq-peek).
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { parseCliArgs, peekDeadLetters, redriveDeadLetters, resolveQueuePair, summarise } from './dlq-tools';

const targets = (target: string | string[]) =>
  typeof target === 'string' ? target : `their channels' shards (${target.length} inbound queues)`;

async function main(): Promise<void> {
  const args = parseCliArgs(process.argv.slice(2));
  const client = new SQSClient({ useQueueUrlAsEndpoint: !process.env.AWS_ENDPOINT_URL_SQS });
  let deadLetterQueueUrl = args.dlqUrl;
  let targetQueueUrl: string | string[] | undefined = args.targetUrl;
  if (args.queue) {
    const pair = await resolveQueuePair(client, args.prefix, args.queue);
    deadLetterQueueUrl ??= pair.deadLetterQueueUrl;
    // Inbound shards: each message back to its channel's shard.
    targetQueueUrl ??= pair.shardUrls.length > 1 ? pair.shardUrls : pair.queueUrl;
  }
  if (!deadLetterQueueUrl || !targetQueueUrl) {
    throw new Error('give --queue inbound|outbound, or both --dlq-url and --target-url');
  }
  if (args.dryRun) {
    const { letters, approximateTotal } = await peekDeadLetters({
      client,
      queueUrl: deadLetterQueueUrl,
      ...(args.max ? { max: args.max } : {}),
    });
    const selected = args.group === undefined ? letters : letters.filter((l) => l.groupId === args.group);
    for (const letter of selected) {
      process.stdout.write(`would move ${summarise(letter)} (and the rest of its group)\n`);
    }
    const count = args.group === undefined ? `${approximateTotal} message(s)` : `group ${args.group}`;
    process.stdout.write(`${count} would move to ${targets(targetQueueUrl)} (dry run, nothing changed)\n`);
    return;
  }
  const result = await redriveDeadLetters({
    client,
    deadLetterQueueUrl,
    targetQueueUrl,
    ...(args.max ? { max: args.max } : {}),
    ...(args.group !== undefined ? { groupId: args.group } : {}),
    onMoved: (letter) => process.stdout.write(`moved ${summarise(letter)}\n`),
  });
  process.stdout.write(
    `${result.moved.length} message(s) moved to ${targets(targetQueueUrl)}; ${result.skipped} left (other groups, or dead-lettered again during this run)\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`dlq-redrive: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
