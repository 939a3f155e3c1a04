/**
 * The management commands (DESIGN §4.1): one JSON object, discriminated on `action`.
 * Adding a command = one more entry of `COMMAND_SCHEMAS` and one more entry of the dispatch map in
 * handler.ts.
 *
 * Each command's schema is built on that command's first use (`once`), not at every cold start:
 * a process that only ever answers `get` never builds the channel fields' schemas. A command is
 * parsed exactly as the discriminated union of all of them (`channelCommandSchema`, the published
 * contract) parses it: the member whose `action` matches, else one issue at `action`.
 */
import * as z from 'zod/mini';
import { once } from '../../shared/build-once';
import { notifyCommandSchema } from '../../shared/channels/notify';
import { channelChangesSchema, channelFieldsSchema } from '../../shared/domain/channel-schemas';
import type { FieldIssue } from '../../shared/errors';
import { sendCommandSchema } from '../../shared/outbound/send-command';
import '../../shared/zod-en';

const MAX_ID = 128;
/** No single string of a command is longer than this (a token is ≤ 512, a URL ≤ 2048). */
export const MAX_STRING_LENGTH = 4096;
/** A whole command is never bigger than this (JSON characters). */
export const MAX_COMMAND_LENGTH = 64 * 1024;

const idSchema = once(() => z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_ID)));
const versionSchema = once(() => z.number().check(z.int(), z.positive()));

export const createCommandSchema = once(() =>
  z.strictObject({
    action: z.literal('create'),
    agentId: idSchema(),
    channel: channelFieldsSchema(),
    activate: z.optional(z.boolean()),
  }),
);

export const updateCommandSchema = once(() =>
  z.strictObject({
    action: z.literal('update'),
    channelId: idSchema(),
    changes: z._default(channelChangesSchema(), {}),
    activate: z.optional(z.boolean()),
    version: z.optional(versionSchema()),
  }),
);

export const deactivateCommandSchema = once(() =>
  z.strictObject({
    action: z.literal('deactivate'),
    channelId: idSchema(),
    version: z.optional(versionSchema()),
  }),
);

export const deleteCommandSchema = once(() =>
  z.strictObject({
    action: z.literal('delete'),
    channelId: idSchema(),
    version: z.optional(versionSchema()),
  }),
);

export const getCommandSchema = once(() =>
  z.strictObject({
    action: z.literal('get'),
    channelId: idSchema(),
  }),
);

export const listCommandSchema = once(() =>
  z.strictObject({
    action: z.literal('list'),
    agentId: idSchema(),
  }),
);

/** action → its schema, in the order of the contract (and of the "expected one of" message). */
const COMMAND_SCHEMAS = {
  create: createCommandSchema,
  update: updateCommandSchema,
  deactivate: deactivateCommandSchema,
  delete: deleteCommandSchema,
  get: getCommandSchema,
  list: listCommandSchema,
  send: sendCommandSchema,
  notify: notifyCommandSchema,
} as const;

/** The whole contract as one schema (scripts/contracts.ts publishes it); parsing does not build it. */
export const channelCommandSchema = once(() =>
  z.discriminatedUnion('action', [
    createCommandSchema(),
    updateCommandSchema(),
    deactivateCommandSchema(),
    deleteCommandSchema(),
    getCommandSchema(),
    listCommandSchema(),
    sendCommandSchema(),
    notifyCommandSchema(),
  ]),
);

export type ChannelCommand = z.output<ReturnType<typeof channelCommandSchema>>;
export type ChannelAction = ChannelCommand['action'];
export type CommandOf<A extends ChannelAction> = Extract<ChannelCommand, { action: A }>;

const ACTIONS = Object.keys(COMMAND_SCHEMAS) as ChannelAction[];

/** The schema of the command named by `action`, as the discriminated union picks it (undefined: none). */
function commandSchemaOf(action: unknown) {
  return typeof action === 'string' && Object.hasOwn(COMMAND_SCHEMAS, action)
    ? COMMAND_SCHEMAS[action as ChannelAction]()
    : undefined;
}

export type ParsedCommand =
  | { ok: true; command: ChannelCommand }
  /** `message`: the error's message when one sentence says it all (else "invalid command"). */
  | { ok: false; issues: FieldIssue[]; message?: string };

function joinPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/** The first strings over the limit, found before zod reads anything (a 10 MB string costs no regex). */
function oversizeStrings(value: unknown, path: string[], out: FieldIssue[], depth = 0): void {
  if (out.length >= 5 || depth > 10) return;
  if (typeof value === 'string') {
    if (value.length > MAX_STRING_LENGTH) {
      out.push({
        path: path.join('.'),
        message: `too long (${value.length} characters, at most ${MAX_STRING_LENGTH})`,
      });
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      oversizeStrings(v, [...path, String(i)], out, depth + 1);
    });
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) oversizeStrings(v, [...path, k], out, depth + 1);
  }
}

/** The one answer to a command that is JSON but not an object (`"create"`, `null`, `[1]`, `42`). */
export const NOT_AN_OBJECT_MESSAGE = 'send one management command as a JSON object';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function notAnObject(): ParsedCommand {
  return {
    ok: false,
    message: NOT_AN_OBJECT_MESSAGE,
    issues: [{ path: '', message: NOT_AN_OBJECT_MESSAGE }],
  };
}

export function parseChannelCommand(input: unknown): ParsedCommand {
  let raw = input;
  if (typeof input === 'string') {
    if (input.length > MAX_COMMAND_LENGTH) {
      return {
        ok: false,
        issues: [{ path: '', message: `command too large (at most ${MAX_COMMAND_LENGTH} characters)` }],
      };
    }
    try {
      raw = JSON.parse(input);
    } catch {
      // A Lambda payload `"create"` arrives as the string `create`: not broken JSON, just not a command.
      if (input.trimStart().startsWith('{'))
        return { ok: false, issues: [{ path: '', message: 'not valid JSON' }] };
      return notAnObject();
    }
  }
  if (!isPlainObject(raw)) return notAnObject();
  const oversize: FieldIssue[] = [];
  oversizeStrings(raw, [], oversize);
  if (oversize.length > 0) return { ok: false, issues: oversize };
  let size = 0;
  try {
    size = JSON.stringify(raw)?.length ?? 0;
  } catch {
    return { ok: false, issues: [{ path: '', message: 'not a JSON object' }] };
  }
  if (size > MAX_COMMAND_LENGTH) {
    return {
      ok: false,
      issues: [{ path: '', message: `command too large (at most ${MAX_COMMAND_LENGTH} characters)` }],
    };
  }
  const schema = commandSchemaOf(raw.action);
  if (!schema) {
    return {
      ok: false,
      issues: [
        { path: 'action', message: `unknown or missing action; expected one of ${ACTIONS.join(', ')}` },
      ],
    };
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, command: parsed.data as ChannelCommand };
  const issues: FieldIssue[] = parsed.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: joinPath([...issue.path, key]), message: 'unknown field' }));
    }
    return [{ path: joinPath(issue.path), message: issue.message }];
  });
  return { ok: false, issues };
}
