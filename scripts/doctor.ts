/**
 * Checks a Chat2Desk account read-only and prints a table (docs/MANAGEMENT.md, "Account doctor").
 *
 *   npm run doctor -- --api-url https://api.chat2desk.com --token <API token> [--operator-id 1001]
 *
 * `--token` may be left out when CHAT2DESK_TOKEN is set (keeps the token out of the shell history).
 * Exit 0: all is well (warnings allowed); 1: a check failed; 2: wrong arguments.
 */
import { parseArgs } from 'node:util';
import * as z from 'zod/mini';
import { createChat2DeskAccountClient } from '../shared/adapters/chat2desk/account-client';
import { chat2deskFetch } from '../shared/adapters/chat2desk/edge';
import { apiUrlSchema, tokenSchema } from '../shared/domain/channel-schemas';
import { c2dIdSchema } from '../shared/domain/ids';
import { redactSecrets, registerSecret } from '../shared/redaction';
import { formatDoctorReport, runDoctor } from './doctor-checks';

const USAGE = 'usage: npm run doctor -- --api-url <url> --token <token> [--operator-id <id>]';

const argsSchema = z.object({
  apiUrl: apiUrlSchema(),
  token: tokenSchema(),
  operatorId: z.optional(c2dIdSchema),
});

export interface DoctorCliResult {
  exitCode: 0 | 1 | 2;
  stdout: string;
  stderr: string;
}

export async function doctorCli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<DoctorCliResult> {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        'api-url': { type: 'string' },
        token: { type: 'string' },
        'operator-id': { type: 'string' },
        'timeout-ms': { type: 'string' },
      },
      strict: true,
    }).values as Record<string, string | undefined>;
  } catch (err) {
    return { exitCode: 2, stdout: '', stderr: `${redactSecrets((err as Error).message)}\n${USAGE}\n` };
  }
  const token = values.token ?? env.CHAT2DESK_TOKEN;
  registerSecret(token);
  const parsed = argsSchema.safeParse({
    apiUrl: values['api-url'],
    token,
    operatorId: values['operator-id'],
  });
  if (!parsed.success) {
    const names: Record<string, string> = {
      apiUrl: '--api-url',
      token: '--token',
      operatorId: '--operator-id',
    };
    const problems = parsed.error.issues.map(
      (i) => `${names[String(i.path[0])] ?? i.path.join('.')}: ${i.message}`,
    );
    return { exitCode: 2, stdout: '', stderr: redactSecrets(`${problems.join('\n')}\n${USAGE}\n`) };
  }
  const { apiUrl, operatorId } = parsed.data;
  const timeoutMs = Number(values['timeout-ms'] ?? 10_000);
  const account = createChat2DeskAccountClient({
    baseUrl: apiUrl,
    token: parsed.data.token,
    timeoutMs: Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : 10_000,
    // Run by a person against an address they chose (the sandbox on loopback too): the one edge,
    // without the address guard of the deployed functions.
    fetchImpl: chat2deskFetch(true),
  });
  const report = await runDoctor({ account, apiUrl, ...(operatorId !== undefined ? { operatorId } : {}) });
  return {
    exitCode: report.ok ? 0 : 1,
    stdout: formatDoctorReport(report, apiUrl, parsed.data.token),
    stderr: '',
  };
}

if (require.main === module) {
  doctorCli(process.argv.slice(2))
    .then((result) => {
      process.stdout.write(result.stdout);
      process.stderr.write(result.stderr);
      process.exitCode = result.exitCode;
    })
    .catch((err: unknown) => {
      process.stderr.write(
        `doctor failed: ${redactSecrets(err instanceof Error ? err.message : String(err))}\n`,
      );
      process.exitCode = 1;
    });
}
