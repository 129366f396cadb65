/**
 * ARN patterns for resources serverless-ci creates at run time (state machines, schedules),
 * which the stack cannot reference directly and so grants by name prefix.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** Every state machine the dispatcher creates is named with this prefix (architecture.md). */
export const STATE_MACHINE_PREFIX = 'sci-';

/** `arn:…:states:…:stateMachine:sci-*`: the state machines and, through the wildcard, their versions. */
export function stateMachinesArn(scope: Construct): string {
  return Stack.of(scope).formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: `${STATE_MACHINE_PREFIX}*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** `arn:…:states:…:execution:sci-*:*`: executions of those state machines. */
export function executionsArn(scope: Construct): string {
  return Stack.of(scope).formatArn({
    service: 'states',
    resource: 'execution',
    resourceName: `${STATE_MACHINE_PREFIX}*:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** A managed rule Step Functions creates for `.sync` integrations (`StepFunctionsGetEvent(s)For…`). */
export function managedRuleArn(scope: Construct, ruleName: string): string {
  return Stack.of(scope).formatArn({ service: 'events', resource: 'rule', resourceName: ruleName });
}

/** Secrets Manager secrets whose name starts with `prefix` (the ARN ends in a random suffix). */
export function secretsArn(scope: Construct, prefix: string): string {
  return Stack.of(scope).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${prefix}*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** Every ECR repository of the stack's account and region (step images named in pipeline files). */
export function ecrRepositoriesArn(scope: Construct): string {
  return Stack.of(scope).formatArn({ service: 'ecr', resource: 'repository', resourceName: '*' });
}

/** SSM parameters under the path `prefix` (`/sci/` → `parameter/sci/*`). */
export function parametersArn(scope: Construct, prefix: string): string {
  return Stack.of(scope).formatArn({
    service: 'ssm',
    resource: 'parameter',
    resourceName: `${prefix.replace(/^\//, '')}*`,
  });
}

/** A Lambda function's unqualified ARN from its name (an ARN is kept as given). */
export function lambdaFunctionArn(scope: Construct, nameOrArn: string): string {
  if (nameOrArn.startsWith('arn:')) return nameOrArn;
  return Stack.of(scope).formatArn({
    service: 'lambda',
    resource: 'function',
    resourceName: nameOrArn,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** A CloudWatch alarm's ARN from its name. */
export function alarmArn(scope: Construct, name: string): string {
  return Stack.of(scope).formatArn({
    service: 'cloudwatch',
    resource: 'alarm',
    resourceName: name,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
