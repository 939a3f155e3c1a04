/**
 * Starts DynamoDB Local and the SQS emulator on free loopback ports for the whole run; tests create
 * their own tables and queues. The endpoints reach the workers through process.env.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type RunningService, startDynamoDbLocal, startSqsEmulator } from '../../infra/local/emulators';

declare global {
  var __EMULATORS__: RunningService[] | undefined;
}

export const LOG_DIR = join(__dirname, '..', '..', 'test-output', 'logs');

export default async function globalSetup(): Promise<void> {
  rmSync(LOG_DIR, { recursive: true, force: true });
  mkdirSync(LOG_DIR, { recursive: true });
  const started: RunningService[] = [];
  try {
    const dynamo = await startDynamoDbLocal();
    started.push(dynamo);
    const sqs = await startSqsEmulator();
    started.push(sqs);
    process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
    process.env.AWS_ENDPOINT_URL_SQS = sqs.endpoint;
  } catch (err) {
    // Jest skips globalTeardown when setup throws: stop what was started (no Java left behind).
    await Promise.all(started.map((s) => s.stop()));
    throw err;
  }
  globalThis.__EMULATORS__ = started;
}
