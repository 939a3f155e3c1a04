/**
 * `npm start`'s command line: an unknown option is refused (exit 2, naming it and the valid ones),
 * `--help` prints the usage, and the `ready` line says whether data is kept and which sandbox runs.
 * The spawned runs end before anything is started (no emulator, no port).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describeRealism } from '../../infra/local/sandbox/realism';
import { parseStartOptions, readyLine, START_OPTIONS } from '../../infra/local/start-options';

const REPO_ROOT = join(__dirname, '../..');

function start(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'infra/local/start.ts', ...args],
      // A PORT that is no port: should the options ever be ignored again, the stack still does not start.
      { cwd: REPO_ROOT, timeout: 60_000, env: { ...process.env, PORT: 'not-a-port' } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('npm start, its options', () => {
  test('an unknown option: exit 2, one line naming it and every valid option, nothing started', async () => {
    const { code, stdout, stderr } = await start(['--in-memory', '--bogus']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^npm start: unknown option --bogus; valid options: /);
    for (const name of Object.keys(START_OPTIONS)) expect(lines[0]).toContain(`--${name}`);
  });

  test('--help: exit 0, the usage with every option in the `npm start -- <options>` syntax', async () => {
    const { code, stdout } = await start(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: npm start \[-- <options>\]$/m);
    for (const name of Object.keys(START_OPTIONS))
      expect(stdout).toMatch(new RegExp(`^\\s+(-h, )?--${name}\\b`, 'm'));
    expect(stdout).toContain('npm start -- --in-memory --pollers 8 --sandbox-profile minimal');
    expect(stdout).toContain('LOCAL_IN_MEMORY');
    expect(stdout).toContain('SANDBOX_PROFILE');
  });

  test('a missing value and a stray argument are usage mistakes too', () => {
    expect(parseStartOptions(['--pollers'])).toEqual({
      ok: false,
      message: expect.stringMatching(
        /^npm start: option '--pollers <value>' argument missing; valid options: /,
      ),
    });
    expect(parseStartOptions(['in-memory'])).toEqual({
      ok: false,
      message: expect.stringMatching(/^npm start: unexpected argument 'in-memory'; valid options: /),
    });
  });

  test('every documented option still parses, in both value forms', () => {
    expect(
      parseStartOptions([
        '--in-memory',
        '--quiet',
        '--pollers',
        '8',
        '--in-process',
        '--bundles',
        '--sandbox-profile=minimal',
      ]),
    ).toEqual({
      ok: true,
      options: {
        help: false,
        inMemory: true,
        quiet: true,
        pollers: '8',
        inProcess: true,
        bundles: true,
        sandboxProfile: 'minimal',
      },
    });
    expect(parseStartOptions(['-h'])).toMatchObject({ ok: true, options: { help: true } });
  });
});

describe('the ready line', () => {
  const base = {
    url: 'http://127.0.0.1:3000',
    publicBaseUrl: 'http://127.0.0.1:3000',
    agentApiUrl: 'http://127.0.0.1:3000/agent',
  };

  test('says where data is kept, or that nothing is, and which sandbox profile runs', () => {
    const kept = readyLine({ ...base, keptIn: '/repo/.local', sandbox: describeRealism({}) });
    expect(kept).toMatch(/^ready {5}chat http:\/\/127\.0\.0\.1:3000\/sandbox\/ /);
    expect(kept).toContain('  data kept in /repo/.local  sandbox classic  (Ctrl-C to stop)');
    const inMemory = readyLine({ ...base, keptIn: undefined, sandbox: describeRealism({}, 'minimal') });
    expect(inMemory).toContain('  data in memory (nothing kept)  sandbox minimal  (Ctrl-C to stop)');
  });

  test('the sandbox as asked for: the profile (env or option), then single switches over it', () => {
    expect(describeRealism({ SANDBOX_PROFILE: 'minimal' })).toBe('minimal');
    expect(describeRealism({ SANDBOX_ECHO_EXTERNAL_ID: 'none', SANDBOX_ATTACHMENT_SHAPE: 'url' })).toBe(
      'classic + SANDBOX_ECHO_EXTERNAL_ID=none + SANDBOX_ATTACHMENT_SHAPE=url',
    );
  });
});
