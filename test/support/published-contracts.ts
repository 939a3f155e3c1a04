/**
 * The published contracts (docs/contracts/*.json, read from disk as a platform would) as Ajv
 * validators: the end-to-end suites check every agent event and every management result they see
 * against them, so a field the connector sends and the schema does not allow fails the suite.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';

const CONTRACTS = join(__dirname, '..', '..', 'docs', 'contracts');
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
const validators = new Map<string, ValidateFunction>();

function validatorOf(file: string): ValidateFunction {
  let validate = validators.get(file);
  if (!validate) {
    validate = ajv.compile(JSON.parse(readFileSync(join(CONTRACTS, file), 'utf8')) as object);
    validators.set(file, validate);
  }
  return validate;
}

/** Why `value` breaks the published schema `file` (empty when it conforms). */
export function contractViolations(file: string, value: unknown): string[] {
  const validate = validatorOf(file);
  if (validate(value)) return [];
  return (validate.errors ?? []).map(
    (e) =>
      `${file}: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
  );
}

/** Throws when `value` breaks the published schema `file`, naming each violation. */
export function assertConforms(file: string, value: unknown, what: string): void {
  const violations = contractViolations(file, value);
  if (violations.length > 0) {
    throw new Error(
      `${what} breaks the published contract:\n  ${violations.join('\n  ')}\n${JSON.stringify(value)}`,
    );
  }
}

export const AGENT_EVENT_SCHEMA = 'agent-event.schema.json';
export const MANAGEMENT_RESULT_SCHEMA = 'management-result.schema.json';
