/**
 * Reads a function role's permissions out of a synthesised template as readable
 * `action → resource` pairs, naming stateful resources by what they are (table, key, queues, ...).
 */
import type { CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { Construct } from 'constructs';
import type { StatefulStack } from '../../infra/stacks/stateful-stack';

function logicalId(stack: Stack, construct: Construct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

/** Names for the stateful resources, looked up by logical id inside imported values. */
export function statefulNames(data: StatefulStack): Array<[string, string]> {
  return [
    [logicalId(data, data.table), 'table'],
    [logicalId(data, data.key), 'key'],
    [logicalId(data, data.inbound.queue), 'inboundQueue'],
    [logicalId(data, data.inbound.deadLetterQueue), 'inboundDlq'],
    // Inbound shards 1.. (`inbound1Queue`, …); shard 0 is `inboundQueue`.
    ...data.inboundShards
      .slice(1)
      .map((s, i): [string, string] => [logicalId(data, s.queue), `inbound${i + 1}Queue`]),
    [logicalId(data, data.outbound.queue), 'outboundQueue'],
    [logicalId(data, data.outbound.deadLetterQueue), 'outboundDlq'],
    [logicalId(data, data.webhookSecretKey), 'webhookSecretKey'],
    [logicalId(data, data.tokenHashKey), 'tokenHashKey'],
    [logicalId(data, data.agentApiKey), 'agentApiKey'],
  ];
}

function describeResource(resource: unknown, names: Array<[string, string]>, ownLogGroup: string): string {
  if (resource === '*') return '*';
  const json = JSON.stringify(resource);
  if (json.includes(ownLogGroup)) return 'ownLogGroup';
  // Longest logical id first, so e.g. a DLQ id is not taken for its queue's id.
  const match = [...names].sort((a, b) => b[0].length - a[0].length).find(([id]) => json.includes(id));
  if (!match) return `unknown:${json}`;
  const index = /\/index\/([A-Za-z0-9_-]+)/.exec(json);
  return index ? `${match[1]}/index/${index[1]}` : match[1];
}

/** Every `action resource` pair granted to the role, sorted and de-duplicated. */
export function rolePermissions(
  template: Template,
  roleLogicalId: string,
  ownLogGroupLogicalId: string,
  names: Array<[string, string]>,
): string[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const pairs = new Set<string>();
  for (const policy of Object.values(policies)) {
    const roles = JSON.stringify(policy.Properties.Roles);
    if (!roles.includes(roleLogicalId)) continue;
    for (const statement of policy.Properties.PolicyDocument.Statement) {
      if (statement.Effect !== 'Allow') throw new Error('unexpected Deny statement');
      const actions: string[] = [statement.Action].flat();
      const resources: unknown[] = [statement.Resource].flat();
      // A grant limited by conditions is marked: statementsWithConditions() shows which.
      const mark = statement.Condition ? ' (conditional)' : '';
      for (const action of actions) {
        for (const resource of resources) {
          pairs.add(`${action} ${describeResource(resource, names, ownLogGroupLogicalId)}${mark}`);
        }
      }
    }
  }
  return [...pairs].sort();
}

export interface ConditionalStatement {
  actions: string[];
  resources: string[];
  condition: unknown;
}

/** The role's statements that carry conditions, with their resources named as in rolePermissions. */
export function statementsWithConditions(
  template: Template,
  roleLogicalId: string,
  ownLogGroupLogicalId: string,
  names: Array<[string, string]>,
): ConditionalStatement[] {
  const found: ConditionalStatement[] = [];
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    if (!JSON.stringify(policy.Properties.Roles).includes(roleLogicalId)) continue;
    for (const statement of policy.Properties.PolicyDocument.Statement) {
      if (!statement.Condition) continue;
      found.push({
        actions: [statement.Action].flat().sort(),
        resources: [statement.Resource].flat().map((r) => describeResource(r, names, ownLogGroupLogicalId)),
        condition: statement.Condition,
      });
    }
  }
  return found;
}

/** Managed policies attached to the role (expected: none). */
export function managedPolicies(template: Template, roleLogicalId: string): unknown {
  const role = template.findResources('AWS::IAM::Role')[roleLogicalId];
  return role?.Properties.ManagedPolicyArns;
}

export { logicalId };
