/** The functions' log lines: short (billed by the byte), still correlatable, still redacted. */
import type { Context } from 'aws-lambda';
import { logger } from '../../shared/observability';
import { registerSecret } from '../../shared/redaction';

function captured(write: () => void): Record<string, unknown>[] {
  const lines: string[] = [];
  // Powertools writes INFO to stdout and WARN/ERROR to stderr.
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    }),
  );
  try {
    write();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return lines
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const context = {
  functionName: 'Chat2DeskChannelService-WorkerFunction-AbCdEf123456',
  functionVersion: '$LATEST',
  invokedFunctionArn:
    'arn:aws:lambda:us-east-1:123456789012:function:Chat2DeskChannelService-WorkerFunction-AbCdEf123456',
  memoryLimitInMB: '192',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
} as Context;

test('a line has level, message, time, the request id and its own ids — nothing the log group says', () => {
  logger.addContext(context);
  const [line] = captured(() =>
    logger.info('inbound event skipped', { channelId: 'ch-1', reason: 'OwnEcho' }),
  );
  expect(Object.keys(line ?? {}).sort()).toEqual(
    ['channelId', 'level', 'message', 'reason', 'request_id', 'timestamp'].sort(),
  );
  expect(line).toMatchObject({ level: 'INFO', request_id: context.awsRequestId, reason: 'OwnEcho' });
  expect(JSON.stringify(line).length).toBeLessThan(220);
});

test('errors keep their name and message, and registered secrets stay masked', () => {
  const token = 'c2dtesttoken-log-lines-0123456789abcdef';
  registerSecret(token);
  const [line] = captured(() => logger.error('send failed', { error: new Error(`refused for ${token}`) }));
  const text = JSON.stringify(line);
  expect(text).toContain('refused for');
  expect(text).not.toContain(token);
});
