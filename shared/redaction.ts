/**
 * Secrets never leave the process in clear: every token the connector handles is registered here,
 * and log lines, error messages and responses pass through `redactSecrets`.
 */
const registered = new Set<string>();
/** Tokens shorter than this are not registered: masking them would mangle ordinary words. */
const MIN_SECRET_LENGTH = 6;

export const MASK_PREFIX = '••••';

/** The view of a token a person may see: `••••` and its last four characters. */
export function maskToken(token: string): string {
  return `${MASK_PREFIX}${token.slice(-4)}`;
}

export function registerSecret(secret: string | undefined | null): void {
  if (secret && secret.length >= MIN_SECRET_LENGTH) registered.add(secret);
}

/** Replaces every registered secret found in the text with its mask. */
export function redactSecrets(text: string): string {
  if (registered.size === 0 || text.length === 0) return text;
  let out = text;
  for (const secret of registered) {
    if (out.includes(secret)) out = out.split(secret).join(maskToken(secret));
  }
  return out;
}

/** Keys whose values are secrets wherever they appear in a structured log entry. */
const SECRET_KEYS = new Set(['token', 'authorization', 'apitoken', 'api_token', 'x-api-key', 'agentapikey']);

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase());
}
