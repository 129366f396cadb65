/**
 * Acknowledging cdk-nag (AWS Solutions) findings, each with its reason. Wildcard findings are
 * acknowledged one resource pattern at a time, named exactly as cdk-nag renders them, so a new
 * wildcard added later is reported instead of being silently covered.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Acknowledges one rule (e.g. `AwsSolutions-CB4`) on `scope` and everything under it. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** A wildcard that is intended: a resource ARN pattern (may hold tokens) or an action pattern. */
export type Wildcard = { resource: string; reason: string } | { action: string; reason: string };

/** Acknowledges `AwsSolutions-IAM5` for exactly these wildcards on `scope`. */
export function acknowledgeWildcards(scope: IConstruct, wildcards: Wildcard[]): void {
  for (const w of wildcards) {
    const finding = 'action' in w ? `Action::${w.action}` : `Resource::${flatten(Stack.of(scope).resolve(w.resource))}`;
    acknowledge(scope, `AwsSolutions-IAM5[${finding}]`, w.reason);
  }
}

/** The flat form cdk-nag gives a CloudFormation value: `<Logical.Attr>`, `<AWS::Region>`. */
function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
  const value = node as Record<string, unknown>;
  if (value['Fn::Join']) {
    const [delimiter, items] = value['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (value['Fn::Sub']) return flatten(value['Fn::Sub']);
  if (value['Fn::GetAtt']) {
    const [resource, attribute] = value['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (value.Ref) return `<${flatten(value.Ref)}>`;
  return JSON.stringify(node);
}
