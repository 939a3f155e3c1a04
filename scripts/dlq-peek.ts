/**
 * Shows what is in a dead-letter queue without consuming it.
 *
 *   npx tsx scripts/dlq-peek.ts --queue inbound [--prefix chat2desk-channel] [--max 50] [--bodies] [--json]
 *   npx tsx scripts/dlq-peek.ts --dlq-url https://sqs.<region>.amazonaws.com/<account>/<name>-dlq.fifo
 *
 * Uses the usual AWS credentials and region (AWS_PROFILE, AWS_REGION). Without --bodies only ids,
 * groups, times, receive counts, sizes and the JSON keys are printed (message texts are personal data).
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { parseCliArgs, peekDeadLetters, resolveQueuePair, summarise } from './dlq-tools';

async function main(): Promise<void> {
  const args = parseCliArgs(process.argv.slice(2));
  const client = new SQSClient({ useQueueUrlAsEndpoint: !process.env.AWS_ENDPOINT_URL_SQS });
  const queueUrl =
    args.dlqUrl ??
    (args.queue ? (await resolveQueuePair(client, args.prefix, args.queue)).deadLetterQueueUrl : undefined);
  if (!queueUrl) throw new Error('give --queue inbound|outbound or --dlq-url');
  const { letters, approximateTotal } = await peekDeadLetters({
    client,
    queueUrl,
    ...(args.max ? { max: args.max } : {}),
  });
  if (args.json) {
    const shown = args.bodies ? letters : letters.map(({ body: _body, ...rest }) => rest);
    process.stdout.write(`${JSON.stringify({ approximateTotal, shown }, null, 2)}\n`);
  } else {
    for (const letter of letters) {
      process.stdout.write(`${summarise(letter)}\n`);
      if (args.bodies) process.stdout.write(`  ${letter.body}\n`);
    }
    const groups = new Set(letters.map((l) => l.groupId)).size;
    process.stdout.write(
      `${approximateTotal} message(s) in ${queueUrl}; shown ${letters.length} (the first of each of ${groups} group(s): FIFO hides the rest of a group behind its first); nothing consumed\n`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`dlq-peek: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
