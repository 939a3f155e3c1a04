/**
 * The credential provider of the deployed bundles: esbuild aliases `@aws-sdk/credential-provider-node`
 * (the SDK's default chain) to this module (infra/constructs/function-bundling.ts).
 *
 * Lambda hands a function its execution role's credentials in the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), the first place the default chain
 * looks. The rest of the chain (shared config files, SSO, web identity, process, container and
 * instance metadata) is never reached there, yet its ~90 KB (STS and SSO clients among them) were
 * parsed at every cold start. Consequence: a deployed bundle reads credentials only from the
 * environment. The TypeScript sources (tests, the local stack) keep the SDK's full chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

type Credentials = Awaited<ReturnType<ReturnType<typeof fromEnv>>>;

/** Same shape as the default chain's export: called by each client's runtime config. */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);

const REFRESH_WINDOW_MS = 5 * 60_000;

export const credentialsWillNeedRefresh = (credentials: Credentials): boolean =>
  credentials.expiration !== undefined;

export const credentialsTreatedAsExpired = (credentials: Credentials): boolean =>
  credentials.expiration !== undefined && credentials.expiration.getTime() - Date.now() < REFRESH_WINDOW_MS;
