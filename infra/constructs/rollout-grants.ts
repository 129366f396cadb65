/**
 * The execution role's grants for `rollout:` steps: exactly the targets the deployment names
 * (`sci:rolloutTargets`), never `*` on them. Sources (Service Authorization Reference): Lambda
 * GetAlias/UpdateAlias take the function (an alias is its qualified ARN); ELBv2 ModifyListener
 * takes the listener, ModifyRule the listener rule; CloudWatch DescribeAlarms takes the alarm,
 * and GetMetricData has no resource-level permission. See docs/delivery.md, "IAM".
 */
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { RolloutTargets } from '../config.ts';
import { alarmArn, lambdaFunctionArn } from './arns.ts';

export function rolloutStatements(scope: Construct, targets: RolloutTargets | undefined): PolicyStatement[] {
  if (!targets) return [];
  const statements: PolicyStatement[] = [];
  const functions = targets.functions.map((f) => lambdaFunctionArn(scope, f));
  if (functions.length > 0) {
    statements.push(
      new PolicyStatement({
        sid: 'RolloutAliases',
        actions: ['lambda:GetAlias', 'lambda:UpdateAlias'],
        resources: functions.flatMap((f) => [f, `${f}:*`]),
      }),
    );
  }
  const listeners = targets.listeners.filter((l) => l.includes(':listener/'));
  const rules = targets.listeners.filter((l) => l.includes(':listener-rule/'));
  if (listeners.length > 0)
    statements.push(
      new PolicyStatement({
        sid: 'RolloutListeners',
        actions: ['elasticloadbalancing:ModifyListener'],
        resources: listeners,
      }),
    );
  if (rules.length > 0)
    statements.push(
      new PolicyStatement({ sid: 'RolloutRules', actions: ['elasticloadbalancing:ModifyRule'], resources: rules }),
    );
  if (functions.length > 0 || targets.listeners.length > 0) {
    statements.push(
      new PolicyStatement({ sid: 'RolloutMetrics', actions: ['cloudwatch:GetMetricData'], resources: ['*'] }),
    );
  }
  if (targets.alarms.length > 0) {
    statements.push(
      new PolicyStatement({
        sid: 'RolloutAlarms',
        actions: ['cloudwatch:DescribeAlarms'],
        resources: targets.alarms.map((a) => alarmArn(scope, a)),
      }),
    );
  }
  return statements;
}
