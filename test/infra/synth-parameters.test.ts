/**
 * `npm run synth` without its parameters: the CDK app entry itself, run as cdk runs it (tsx, in a
 * child process), stops with one line per missing parameter and no stack trace.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { envNameOf, PARAMETER_NAMES } from '../../infra/stacks/deploy-parameters';

const REPO_ROOT = join(__dirname, '../..');

function runApp(context: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  // No parameter reaches the app from this process's environment; context as the cdk CLI passes it.
  const env: NodeJS.ProcessEnv = { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context) };
  for (const name of PARAMETER_NAMES) delete env[envNameOf(name)];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'infra/app.ts'],
      { cwd: REPO_ROOT, env, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('the CDK app without its required parameters', () => {
  test('exits non-zero with one line per missing parameter, naming it and how to pass it, and no stack trace', async () => {
    const { code, stderr } = await runApp({});
    expect(code).not.toBe(0);
    const lines = stderr.trim().split('\n');
    expect(lines).toEqual([
      'Invalid deployment parameters:',
      '  agentApiUrl (context -c agentApiUrl=… or env AGENT_API_URL): required, not given',
      '  platformPrincipal (context -c platformPrincipal=… or env PLATFORM_PRINCIPAL): required, not given',
    ]);
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  test('one missing, one wrong: a line for each, still no stack trace', async () => {
    const { code, stderr } = await runApp({ agentApiUrl: 'http://agent.example.com' });
    expect(code).not.toBe(0);
    expect(stderr.trim().split('\n')).toEqual([
      'Invalid deployment parameters:',
      '  agentApiUrl (context -c agentApiUrl=… or env AGENT_API_URL): agentApiUrl must be an https URL',
      '  platformPrincipal (context -c platformPrincipal=… or env PLATFORM_PRINCIPAL): required, not given',
    ]);
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
