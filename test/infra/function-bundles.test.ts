/**
 * The function bundles as deployed (infra/constructs/function-bundling.ts, the settings the CDK
 * construct passes to NodejsFunction): each one loads as an ES module in a fresh Node process and
 * exports a handler, carries neither the SDK's default credential chain nor undici, finds undici in
 * its own folder when it needs it, and signs AWS requests with the credentials of the environment
 * (only those).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Metafile, stop as stopEsbuild } from 'esbuild';
import {
  BUNDLE_FILE_NAME,
  BUNDLE_SETTINGS,
  buildFunctionBundle,
  CHUNK_DIR,
  esbuildOptions,
  FUNCTION_ENTRIES,
  type FunctionName,
  lazyModuleCommands,
  lazyModuleFile,
  outputsLoadedAtInit,
  PROJECT_ROOT,
  splitBundleCommand,
} from '../../infra/constructs/function-bundling';

jest.setTimeout(180_000);

const NAMES = Object.keys(FUNCTION_ENTRIES) as FunctionName[];
let dir: string;
const built = new Map<FunctionName, { file: string; metafile: Metafile }>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'c2d-bundles-test-'));
  for (const name of NAMES) {
    const { file, metafile } = await buildFunctionBundle(FUNCTION_ENTRIES[name], join(dir, name));
    built.set(name, { file, metafile: metafile! });
  }
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await stopEsbuild(); // its service process would keep the jest worker from exiting gracefully
});

/** Runs an ES module script in a fresh node process with only the given environment. */
function runNode(script: string, env: Record<string, string>): Promise<string> {
  const file = join(dir, `script-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, script);
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [file],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

const LAMBDA_ENV = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'ASIATESTBUNDLEKEY001',
  AWS_SECRET_ACCESS_KEY: 'bundle-test-secret-access-key',
  AWS_SESSION_TOKEN: 'bundle-test-session-token',
  AWS_LAMBDA_FUNCTION_NAME: 'bundle-test',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  NODE_OPTIONS: '--enable-source-maps',
  POWERTOOLS_LOG_LEVEL: 'WARN',
};

function bundledPackages(metafile: Metafile): string[] {
  return Object.keys(metafile.inputs);
}

/** The inputs of what a cold start loads: the bundle and the chunks it imports statically. */
function loadedAtInit(metafile: Metafile): string[] {
  const entry = Object.keys(metafile.outputs).find((o) => o.endsWith(`/${BUNDLE_FILE_NAME}`))!;
  return outputsLoadedAtInit(metafile, entry).flatMap((file) => Object.keys(metafile.outputs[file]!.inputs));
}

describe('bundle settings', () => {
  it('ES module output in index.mjs, with a require for CommonJS dependencies and lazy modules', () => {
    expect(BUNDLE_SETTINGS.format).toBe('esm');
    expect(BUNDLE_FILE_NAME).toBe('index.mjs');
    const options = esbuildOptions(FUNCTION_ENTRIES.webhook, join(dir, 'x', BUNDLE_FILE_NAME));
    expect(options.banner.js).toMatch(/const require = __createRequire\(import\.meta\.url\)/);
    expect(options.external).toEqual(expect.arrayContaining(['undici']));
  });

  it('the credential chain is aliased to an existing env-only module', () => {
    const alias = esbuildOptions(FUNCTION_ENTRIES.webhook, 'x.mjs').alias;
    const target = alias['@aws-sdk/credential-provider-node'];
    expect(target).toBe(join(PROJECT_ROOT, 'shared/adapters/aws-credentials-from-env.ts'));
    expect(existsSync(target!)).toBe(true);
  });
});

describe('the lazy modules as the CDK construct builds them', () => {
  it('the afterBundling commands replace the bundle with the split build: chunks beside it, loadable', async () => {
    const assetDir = join(dir, 'asset-split');
    const commands = splitBundleCommand(FUNCTION_ENTRIES.channels, assetDir);
    expect(commands).toHaveLength(1);
    for (const command of [...commands, ...lazyModuleCommands(assetDir)]) {
      execFileSync('bash', ['-c', command]);
    }
    const chunks = readdirSync(join(assetDir, CHUNK_DIR));
    const callerKeys = chunks.find((c) => /^caller-key-once-powertools-.*\.mjs$/.test(c));
    expect(callerKeys).toBeDefined();
    expect(chunks).toContain(`${callerKeys}.map`);
    const out = await runNode(
      `const mod = await import(${JSON.stringify(`file://${join(assetDir, BUNDLE_FILE_NAME)}`)});
       const lazy = await import(${JSON.stringify(`file://${join(assetDir, CHUNK_DIR, callerKeys!)}`)});
       process.stdout.write(JSON.stringify({ handler: typeof mod.handler, lazy: Object.values(lazy).map((v) => typeof v) }));`,
      { ...LAMBDA_ENV, TABLE_NAME: 'bundle-test' },
    );
    expect(JSON.parse(out)).toEqual({ handler: 'function', lazy: ['function'] });
  });

  it('the afterBundling commands write a loadable undici next to the bundle', () => {
    const assetDir = join(dir, 'asset');
    for (const command of lazyModuleCommands(assetDir)) execFileSync('bash', ['-c', command]);
    const file = join(assetDir, lazyModuleFile('undici'));
    const out = execFileSync(process.execPath, [
      '-e',
      `process.stdout.write(typeof require(${JSON.stringify(file)}).Agent)`,
    ]);
    expect(out.toString()).toBe('function');
  });
});

describe.each(NAMES)('the %s bundle', (name) => {
  it('leaves out the default credential chain and undici', () => {
    const inputs = bundledPackages(built.get(name)!.metafile);
    expect(inputs.some((i) => i.includes('shared/adapters/aws-credentials-from-env.ts'))).toBe(true);
    for (const left of [
      'node_modules/@aws-sdk/credential-provider-node/',
      'node_modules/@aws-sdk/credential-provider-ini/',
      'node_modules/@aws-sdk/credential-provider-sso/',
      'node_modules/@aws-sdk/nested-clients/',
      'node_modules/undici/',
    ]) {
      expect(inputs.filter((i) => i.includes(left))).toEqual([]);
    }
  });

  it('does not load Powertools Idempotency or JMESPath at a cold start', () => {
    const atInit = loadedAtInit(built.get(name)!.metafile);
    expect(atInit.filter((i) => /@aws-lambda-powertools\/(idempotency|jmespath)\//.test(i))).toEqual([]);
  });

  it('builds no schemas at a cold start that only channel management uses, there on first use', () => {
    const atInit = loadedAtInit(built.get(name)!.metafile);
    const all = bundledPackages(built.get(name)!.metafile);
    // The management contract's channel fields: channel management only (its commands).
    expect(atInit.some((i) => i.endsWith('shared/domain/channel-schemas.ts'))).toBe(name === 'channels');
    if (name === 'channels') {
      // The reply schemas: imported by the first send or notify.
      expect(atInit.filter((i) => i.endsWith('shared/domain/reply.ts'))).toEqual([]);
      expect(all.some((i) => i.endsWith('shared/domain/reply.ts'))).toBe(true);
    }
  });

  it('loads as Lambda loads it, exports a handler, and finds undici next to itself', async () => {
    const { file } = built.get(name)!;
    const out = await runNode(
      `import { createRequire } from 'node:module';
       const mod = await import(${JSON.stringify(`file://${file}`)});
       const require = createRequire(${JSON.stringify(file)});
       const undici = require('undici');
       process.stdout.write(JSON.stringify({
         handler: typeof mod.handler,
         undici: require.resolve('undici'),
         agent: typeof undici.Agent,
       }));`,
      { ...LAMBDA_ENV, TABLE_NAME: 'bundle-test' },
    );
    expect(JSON.parse(out)).toEqual({
      handler: 'function',
      undici: join(dir, name, lazyModuleFile('undici')),
      agent: 'function',
    });
  });
});

describe('credentials in the deployed bundles', () => {
  let server: Server;
  let requests: IncomingHttpHeaders[];
  let endpoint: string;

  beforeAll(async () => {
    requests = [];
    // A stand-in DynamoDB: records the signed headers, answers GetItem with "no item".
    server = createServer((req, res) => {
      requests.push(req.headers);
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    requests = [];
  });

  const channelsEnv = () => ({
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    TABLE_NAME: 'bundle-test-channels',
    PUBLIC_BASE_URL: 'https://connector.example.test',
    AGENT_API_URL: 'https://agent.example.test',
    TOKEN_HASH_KEY: 'token-hash-key-bundle-test-0123456789',
    WEBHOOK_SECRET_KEY: 'webhook-key-bundle-test-0123456789',
    AGENT_API_KEY: 'agent-key-bundle-test',
  });

  const getChannel = (env: Record<string, string>) =>
    runNode(
      `const { handler } = await import(${JSON.stringify(`file://${built.get('channels')!.file}`)});
       const context = { functionName: 'bundle-test', functionVersion: '$LATEST', memoryLimitInMB: '256',
         invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:bundle-test',
         awsRequestId: 'req-1', getRemainingTimeInMillis: () => 30000 };
       const result = await handler({ action: 'get', channelId: 'no-such-channel' }, context);
       process.stdout.write('\\nRESULT ' + JSON.stringify(result));`,
      env,
    ).then((out) => JSON.parse(out.slice(out.lastIndexOf('RESULT ') + 7)));

  it('signs with the credentials Lambda puts in the environment', async () => {
    const result = await getChannel({ ...LAMBDA_ENV, ...channelsEnv() });
    expect(result).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.authorization).toContain(`Credential=${LAMBDA_ENV.AWS_ACCESS_KEY_ID}/`);
    expect(requests[0]!['x-amz-security-token']).toBe(LAMBDA_ENV.AWS_SESSION_TOKEN);
  });

  it('reads no other source: with credentials only in a shared credentials file, nothing is sent', async () => {
    const credentialsFile = join(dir, 'credentials');
    writeFileSync(
      credentialsFile,
      '[default]\naws_access_key_id = AKIAFROMFILE\naws_secret_access_key = x\n',
    );
    const {
      AWS_ACCESS_KEY_ID: _id,
      AWS_SECRET_ACCESS_KEY: _secret,
      AWS_SESSION_TOKEN: _token,
      ...withoutCredentials
    } = LAMBDA_ENV;
    const result = await getChannel({
      ...withoutCredentials,
      ...channelsEnv(),
      AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
      AWS_CONFIG_FILE: join(dir, 'no-config'),
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(requests).toHaveLength(0);
  });
});
