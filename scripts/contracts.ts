/**
 * Publishes the management commands and results and the agent contract as JSON Schema (2020-12)
 * and OpenAPI 3.1 documents in docs/contracts/, generated from the zod schemas the code uses.
 *
 *   npm run contracts          # writes docs/contracts/*.json
 *   npm run contracts -- --check   # exit 1 when a file is missing or out of date
 *
 * test/unit/contracts/contracts.test.ts fails when the files are out of date.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as z from 'zod/mini';
import { channelCommandSchema } from '../functions/channels/commands';
import { managementResultSchema } from '../shared/contracts/management-results';
import { agentResponseSchema } from '../shared/domain/agent-contract';
import { agentEventSchema } from '../shared/domain/agent-event-schema';
import { agentInfoSchema } from '../shared/domain/agent-info';
import { repliesSchema } from '../shared/domain/reply';

export const CONTRACTS_DIR = resolve(__dirname, '..', 'docs', 'contracts');

type JsonObject = Record<string, unknown>;

/** Commands take the agent's replies as `unknown[]` (checked later, for precise paths); publish the real shape. */
function withReplyItems(commandSchema: JsonObject, replies: JsonObject): JsonObject {
  const variants = (commandSchema.oneOf ?? commandSchema.anyOf) as JsonObject[] | undefined;
  for (const variant of variants ?? []) {
    const properties = variant.properties as Record<string, JsonObject> | undefined;
    if (properties?.replies) properties.replies = { ...replies, minItems: 1 };
  }
  return commandSchema;
}

function jsonSchema(schema: z.core.$ZodType, io: 'input' | 'output', title: string): JsonObject {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title,
    ...(z.toJSONSchema(schema, { io, target: 'draft-2020-12' }) as JsonObject),
  };
}

function withoutDialect(schema: JsonObject): JsonObject {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

export function buildContracts(): Record<string, JsonObject> {
  const replies = withoutDialect(jsonSchema(repliesSchema, 'input', 'Replies'));
  const command = withReplyItems(
    jsonSchema(channelCommandSchema(), 'input', 'Chat2Desk channel management command'),
    replies,
  );
  const result = jsonSchema(managementResultSchema, 'output', 'Chat2Desk channel management result');
  const agentEvent = jsonSchema(agentEventSchema, 'output', 'Agent event (connector → platform)');
  const agentResponse = jsonSchema(agentResponseSchema, 'input', 'Agent response (platform → connector)');
  const agentInfo = jsonSchema(agentInfoSchema, 'input', 'Agent info (is the agent trained)');

  const management = {
    openapi: '3.1.0',
    info: {
      title: 'Chat2Desk channel management',
      version: '1',
      description:
        'The platform invokes the channels Lambda function with one command (the request body below as the invoke payload) and receives the result. The local stack accepts the same JSON at POST /management. Client mistakes are results with ok: false and a stable error code, never an HTTP error.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths: {
      '/management': {
        post: {
          operationId: 'manageChannel',
          summary: 'Run one management command (create, update, deactivate, delete, get, list, send, notify)',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/ManagementCommand' } } },
          },
          responses: {
            '200': {
              description: 'The result: ok true with the command’s data, or ok false with an error code',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/ManagementResult' } } },
            },
            '400': { description: 'The body is not JSON (local stack only)' },
          },
        },
      },
    },
    components: {
      schemas: {
        ManagementCommand: withoutDialect(command),
        ManagementResult: withoutDialect(result),
      },
    },
  };

  const agentApi = {
    openapi: '3.1.0',
    info: {
      title: 'Agent API used by the Chat2Desk channel',
      version: '1',
      description:
        'What the connector calls on the agent platform (AGENT_API_URL), with Authorization: Bearer <AGENT_API_KEY>.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ bearer: [] }],
    paths: {
      '/agents/{agentId}': {
        get: {
          operationId: 'getAgent',
          summary: 'Whether the agent is trained (the "agent is trained" activation check)',
          parameters: [{ name: 'agentId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': {
              description: 'The agent',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/AgentInfo' } } },
            },
            '404': { description: 'No such agent' },
          },
        },
      },
      '/agents/{agentId}/events': {
        post: {
          operationId: 'postAgentEvent',
          summary: 'One client message; the agent answers with its replies',
          parameters: [{ name: 'agentId', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/AgentEvent' } } },
          },
          responses: {
            '200': {
              description: 'The replies, sent to the client in order',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/AgentResponse' } } },
            },
          },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        AgentInfo: withoutDialect(agentInfo),
        AgentEvent: withoutDialect(agentEvent),
        AgentResponse: withoutDialect(agentResponse),
      },
    },
  };

  return {
    'management-command.schema.json': command,
    'management-result.schema.json': result,
    'agent-event.schema.json': agentEvent,
    'agent-response.schema.json': agentResponse,
    'agent-info.schema.json': agentInfo,
    'management.openapi.json': management,
    'agent-api.openapi.json': agentApi,
  };
}

export function serialise(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** Files whose content differs from what the schemas generate now (missing ones included). */
export function staleContracts(dir = CONTRACTS_DIR): string[] {
  return Object.entries(buildContracts())
    .filter(([file, document]) => {
      try {
        return readFileSync(join(dir, file), 'utf8') !== serialise(document);
      } catch {
        return true;
      }
    })
    .map(([file]) => file);
}

if (require.main === module) {
  if (process.argv.includes('--check')) {
    const stale = staleContracts();
    if (stale.length > 0) {
      process.stderr.write(`out of date: ${stale.join(', ')}; run npm run contracts\n`);
      process.exit(1);
    }
    process.stdout.write('docs/contracts is up to date\n');
  } else {
    mkdirSync(CONTRACTS_DIR, { recursive: true });
    for (const [file, document] of Object.entries(buildContracts())) {
      writeFileSync(join(CONTRACTS_DIR, file), serialise(document));
      process.stdout.write(`wrote docs/contracts/${file}\n`);
    }
  }
}
