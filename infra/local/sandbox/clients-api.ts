/**
 * `GET /v1/clients?phone=` and `POST /v1/clients` of the sandbox (reference §5.5): what the
 * `notify` command ("Mailing with Notification") needs to find or create a client by phone.
 */
import { SandboxApiError } from './http-io';
import {
  type Account,
  type ClientState,
  parseId,
  SANDBOX_CHANNEL_ID,
  type SandboxModel,
  TRANSPORTS,
} from './model';

/** Digits only: "+7 (912) 345-67-89" and "79123456789" are the same phone. */
export function phoneDigits(phone: string): string {
  return phone.replace(/\D/g, '');
}

const PHONE = /^\+?[\d\s().-]{7,24}$/;

export function clientWire(client: ClientState): Record<string, unknown> {
  return {
    id: client.id,
    name: client.name,
    phone: client.phone,
    client_phone: client.clientPhone,
    assigned_name: null,
    external_id: null,
    channels: [{ id: client.channelId, transports: [client.transport] }],
  };
}

export function findClientsByPhone(account: Account, query: Record<string, string>): ClientState[] {
  const wanted = query.phone === undefined ? '' : phoneDigits(query.phone);
  const all = [...account.clients.values()];
  if (wanted.length === 0) return all;
  return all.filter(
    (c) =>
      phoneDigits(c.phone) === wanted || (c.clientPhone !== null && phoneDigits(c.clientPhone) === wanted),
  );
}

export function createClientByPhone(model: SandboxModel, account: Account, body: unknown): ClientState {
  const record = (body ?? {}) as Record<string, unknown>;
  const errors: Record<string, string[]> = {};
  const phone = record.phone;
  if (typeof phone !== 'string' || !PHONE.test(phone.trim()) || phoneDigits(phone).length < 7) {
    errors.phone = ['The phone format is invalid.'];
  }
  const transport = record.transport;
  if (typeof transport !== 'string' || !(TRANSPORTS as readonly string[]).includes(transport)) {
    errors.transport = ['The selected transport is invalid.'];
  }
  const channelId =
    record.channel_id === undefined || record.channel_id === null
      ? SANDBOX_CHANNEL_ID
      : parseId(record.channel_id);
  if (channelId !== SANDBOX_CHANNEL_ID) errors.channel_id = ['The selected channel id is invalid.'];
  if (Object.keys(errors).length > 0) throw new SandboxApiError(400, 'Validation error', errors);
  const existing = findClientsByPhone(account, { phone: phone as string })[0];
  if (existing) {
    // Chat2Desk: 400 with the existing client's id as a JSON string in the second message.
    throw new SandboxApiError(400, 'Validation error', {
      client: ['Client already exist', JSON.stringify({ id: existing.id })],
    });
  }
  return model.addClient(account, {
    phone: phoneDigits(phone as string),
    transport: transport as string,
    channelId: SANDBOX_CHANNEL_ID,
  });
}
