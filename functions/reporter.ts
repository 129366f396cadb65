/** EventBridge: Step Functions execution status changes and CodeBuild build state changes (src/core/report.ts). */
import type { EventBridgeEvent } from 'aws-lambda';
import {
  onBuildState,
  onExecutionStatus,
  type BuildStateDetail,
  type ExecutionStatusDetail,
  type ReportDeps,
} from '../src/core/report.ts';
import { consoleUrl, executionArnFor } from '../src/aws/names.ts';
import { runStore } from '../src/aws/store.ts';
import { buildResults, executions, followersOf, statuses } from '../src/aws/wiring.ts';

let deps: ReportDeps | undefined;

type ReporterEvent =
  | EventBridgeEvent<'Step Functions Execution Status Change', ExecutionStatusDetail>
  | EventBridgeEvent<'CodeBuild Build State Change', BuildStateDetail>;

export async function handler(event: ReporterEvent): Promise<string> {
  deps ??= {
    store: runStore(),
    statuses: statuses(),
    clock: { now: () => new Date() },
    runUrl: (arn) => consoleUrl(arn),
    startUrl: (machine, runId) => consoleUrl(executionArnFor(machine, runId)),
    startFollowers: followersOf,
    executions: executions(),
    builds: buildResults(),
  };
  const outcome =
    event['detail-type'] === 'CodeBuild Build State Change'
      ? await onBuildState(deps, event.detail as BuildStateDetail)
      : await onExecutionStatus(deps, event.detail as ExecutionStatusDetail);
  console.log(JSON.stringify({ type: event['detail-type'], outcome }));
  return outcome;
}
