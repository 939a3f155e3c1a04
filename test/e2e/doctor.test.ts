/**
 * `npm run doctor` against the real sandbox HTTP server: every row, the exit codes, and the token
 * never in its output. One run goes through `npm run doctor` as a person types it.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startSandboxServer } from '../../infra/local/sandbox';
import { doctorCli } from '../../scripts/doctor';
import { createChat2DeskAccountClient } from '../../shared/adapters/chat2desk/account-client';
import { makeTestToken } from '../support/tokens';

const run = promisify(execFile);
let sandbox: Awaited<ReturnType<typeof startSandboxServer>>;
beforeAll(async () => {
  sandbox = await startSandboxServer({ port: 0 });
});
afterAll(async () => {
  await sandbox.stop();
});

const account = (token: string) =>
  createChat2DeskAccountClient({ baseUrl: sandbox.apiUrl, token, timeoutMs: 3000, fetchImpl: fetch });
const rowOf = (stdout: string, check: string) =>
  stdout.split('\n').find((line) => line.startsWith(`${check} `)) ?? `(no ${check} row)`;

it('all well: token, our webhooks, operator, free slots, write first — exit 0', async () => {
  const token = makeTestToken('doctor-ok');
  await account(token).createWebhook({
    url: 'https://hooks.example.test/webhooks/chat2desk/c1/1.x',
    name: 'agent-platform:c1',
  });
  await account(token).createWebhook({ url: 'https://other.example.test/hook', name: 'crm' });
  const result = await doctorCli(['--api-url', sandbox.apiUrl, '--token', token, '--operator-id', '1001']);
  expect(result.exitCode).toBe(0);
  expect(rowOf(result.stdout, 'token')).toMatch(
    /ok\s+accepted: company Sandbox company acct-\w+, id \d+, mode paid, \d+ requests this month/,
  );
  expect(rowOf(result.stdout, 'webhooks')).toMatch(
    /ok\s+1 of ours: agent-platform:c1 enabled, no recent errors/,
  );
  expect(rowOf(result.stdout, 'operator')).toMatch(/ok\s+1001 Sandbox Bot \(operator\), online$/);
  expect(rowOf(result.stdout, 'webhook slots')).toMatch(/ok\s+3 of 5 free/);
  expect(rowOf(result.stdout, 'write first')).toMatch(/ok\s+on/);
  expect(result.stdout).toContain('all is well');
  expect(result.stdout).toContain(`token ••••${token.slice(-4)}`);
  expect(result.stdout).not.toContain(token);
});

it('shows the bot operator offline as a warning, with what to do — exit 0', async () => {
  const token = makeTestToken('doctor-offline');
  await sandbox.sandbox.setOperatorStatus(token, '1001', { online: 0, offline_type: 'inactive' });
  const result = await doctorCli(['--api-url', sandbox.apiUrl, '--token', token, '--operator-id', '1001']);
  expect(result.exitCode).toBe(0);
  expect(rowOf(result.stdout, 'operator')).toMatch(
    /warn\s+1001 Sandbox Bot \(operator\), offline \(inactive\): .*set it to Working/,
  );
  // Operator status is per account.
  const other = await doctorCli([
    '--api-url',
    sandbox.apiUrl,
    '--token',
    makeTestToken('doctor-on'),
    '--operator-id',
    '1001',
  ]);
  expect(rowOf(other.stdout, 'operator')).toMatch(/ok\s+1001 .*, online$/);
});

it('names a disabled webhook of ours and an operator the account does not list — exit 1', async () => {
  const token = makeTestToken('doctor-bad');
  const hook = await account(token).createWebhook({
    url: 'https://hooks.example.test/w/2',
    name: 'agent-platform:c2',
  });
  await account(token).updateWebhook(hook.id, { url: hook.url, name: hook.name, enabled: false });
  sandbox.sandbox.setWriteFirstOption(token, false);
  const result = await doctorCli(['--api-url', sandbox.apiUrl, '--token', token, '--operator-id', '4242']);
  expect(result.exitCode).toBe(1);
  expect(rowOf(result.stdout, 'webhooks')).toMatch(
    /fail\s+.*agent-platform:c2 DISABLED.*disabled: agent-platform:c2/,
  );
  expect(rowOf(result.stdout, 'operator')).toMatch(/fail\s+4242 is not among the account's 3 operators/);
  expect(rowOf(result.stdout, 'write first')).toMatch(/warn\s+off: notify is refused/);
  expect(result.stdout).toMatch(/2 problems: webhooks: .* \/ operator: /);
  expect(result.stdout).not.toContain(token);
});

it('a refused token fails the first row and skips the rest; wrong arguments exit 2', async () => {
  const token = `invalid-${makeTestToken('doctor-refused')}`;
  const refused = await doctorCli(['--api-url', sandbox.apiUrl, '--token', token]);
  expect(refused.exitCode).toBe(1);
  expect(rowOf(refused.stdout, 'token')).toMatch(/fail\s+Chat2Desk did not accept the token/);
  expect(rowOf(refused.stdout, 'webhooks')).toMatch(/skip\s+not checked/);
  expect(refused.stdout).not.toContain(token);

  const usage = await doctorCli(['--api-url', 'not a url', '--token', token, '--operator-id', 'x1']);
  expect(usage.exitCode).toBe(2);
  expect(usage.stderr).toContain('--api-url: Invalid URL');
  expect(usage.stderr).toContain('--operator-id');
  expect(usage.stderr).toContain('usage: npm run doctor');
  expect(usage.stderr + usage.stdout).not.toContain(token);
});

it('runs as `npm run doctor -- …` with the exit code and no token in its output', async () => {
  const token = makeTestToken('doctor-cli');
  const failing = await run(
    'npm',
    ['run', '--silent', 'doctor', '--', '--api-url', sandbox.apiUrl, '--token', token, '--operator-id', '9'],
    {
      cwd: join(__dirname, '..', '..'),
    },
  ).then(
    () => ({ code: 0, stdout: '' }),
    (err: { code: number; stdout: string; stderr: string }) => ({
      code: err.code,
      stdout: err.stdout + err.stderr,
    }),
  );
  expect(failing.code).toBe(1);
  expect(failing.stdout).toMatch(/operator\s+fail\s+9 is not among/);
  expect(failing.stdout).not.toContain(token);
}, 60_000);
