import { ConnectorError } from '../errors';

/** Another active Chat2Desk channel holds the token lock (DESIGN §3 invariant 5). */
export class TokenInUseError extends ConnectorError {
  readonly kind = 'invalid' as const;
  constructor(message = 'another active Chat2Desk channel already uses this token') {
    super('TOKEN_IN_USE', message);
  }
}
