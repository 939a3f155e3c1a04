/**
 * docs/contracts/ is generated from the zod schemas (scripts/contracts.ts): this fails when a
 * schema changed and `npm run contracts` was not run, and checks that the published JSON Schemas
 * accept what the code accepts and refuse what it refuses.
 */
import Ajv2020 from 'ajv/dist/2020';
import { buildContracts, staleContracts } from '../../../scripts/contracts';

const contracts = buildContracts();
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
const validate = (file: string, value: unknown) => ajv.validate(contracts[file]!, value);

describe('docs/contracts', () => {
  it('is up to date with the zod schemas (run `npm run contracts` after changing one)', () => {
    expect(staleContracts()).toEqual([]);
  });

  it('publishes a command schema that accepts the documented commands and refuses mistakes', () => {
    const create = {
      action: 'create',
      agentId: 'agent-42',
      activate: true,
      channel: {
        name: 'Support bot',
        apiUrl: 'https://api.chat2desk.com',
        token: 'tok-123456',
        operatorId: 1001,
      },
    };
    expect(validate('management-command.schema.json', create)).toBe(true);
    expect(
      validate('management-command.schema.json', {
        action: 'send',
        channelId: 'c1',
        chatId: '500482964|chat2desk',
        replies: [{ type: 'text', text: 'Hi!' }],
      }),
    ).toBe(true);
    expect(
      validate('management-command.schema.json', {
        action: 'notify',
        channelId: 'c1',
        phone: '+79123456789',
        transport: 'whatsapp',
        replies: [{ type: 'text', text: 'Your order is ready' }],
      }),
    ).toBe(true);
    expect(validate('management-command.schema.json', { ...create, colour: 'red' })).toBe(false);
    expect(validate('management-command.schema.json', { action: 'explode' })).toBe(false);
    expect(
      validate('management-command.schema.json', {
        action: 'send',
        channelId: 'c1',
        chatId: '1|chat2desk',
        replies: [{ type: 'video', url: 'x' }],
      }),
    ).toBe(false);
  });

  it('publishes result and agent schemas that match real values', () => {
    const view = {
      id: 'c1',
      agentId: 'a',
      type: 'chat2desk',
      name: 'New channel',
      apiUrl: 'https://api.chat2desk.com',
      token: '••••1a2b',
      serviceMessages: false,
      requireSignature: false,
      status: 'active',
      webhookUrl: 'https://hooks.example.com/webhooks/chat2desk/c1/1.x',
      version: 3,
      createdAt: '2026-11-26T04:49:39.384Z',
      updatedAt: '2026-11-26T04:49:39.518Z',
    };
    const activation = {
      activated: true,
      applied: true,
      checks: [{ name: 'agentTrained', ok: true }],
      warnings: [{ code: 'OPERATOR_NOT_LISTED', message: 'operator 9 is not listed' }],
    };
    expect(validate('management-result.schema.json', { ok: true, channel: view, activation })).toBe(true);
    expect(
      validate('management-result.schema.json', { ok: true, channel: { ...view, token: 'secret' } }),
    ).toBe(false);
    expect(
      validate('management-result.schema.json', { ok: false, error: { code: 'NOT_FOUND', message: 'x' } }),
    ).toBe(true);
    expect(
      validate('agent-event.schema.json', {
        eventId: 'e1',
        channel: { id: 'c1', type: 'chat2desk' },
        chatId: '807892|chat2desk',
        clientMessage: 'hi',
        attachments: [],
        variables: { channel_visitor_id: '807892' },
      }),
    ).toBe(true);
    expect(validate('agent-response.schema.json', { replies: [{ type: 'transfer', groupId: 501 }] })).toBe(
      true,
    );
    expect(validate('agent-response.schema.json', { replies: 'hi' })).toBe(false);
  });

  it('embeds the schemas in OpenAPI 3.1 documents', () => {
    const management = contracts['management.openapi.json'] as {
      openapi: string;
      components: { schemas: Record<string, unknown> };
    };
    expect(management.openapi).toBe('3.1.0');
    expect(Object.keys(management.components.schemas)).toEqual(['ManagementCommand', 'ManagementResult']);
    const agent = contracts['agent-api.openapi.json'] as { paths: Record<string, unknown> };
    expect(Object.keys(agent.paths)).toEqual(['/agents/{agentId}', '/agents/{agentId}/events']);
  });
});
