/**
 * Links from a run on AWS to the AWS console: the execution's page in the Step Functions console
 * (its graph, each CodeBuild task with its build), the same address the commit statuses carry, and
 * each step's latest build in the CodeBuild console (its `buildId`, recorded by the reporter when
 * the build starts). A local run (`local:<id>`) has neither.
 */
import type { RunRecord, StepRecord } from '../core/ports.ts';
import { buildConsoleUrl, consoleUrl } from '../aws/names.ts';
import type { RunLinks } from './ports.ts';

export function runLinks(
  run: Pick<RunRecord, 'executionArn'>,
  steps: Pick<StepRecord, 'key' | 'buildId'>[] = [],
): RunLinks {
  if (!run.executionArn?.startsWith('arn:aws:states:')) return {};
  const builds = Object.fromEntries(
    steps.flatMap((s) => {
      const url = buildConsoleUrl(s.buildId);
      return url ? [[s.key, url]] : [];
    }),
  );
  return { execution: consoleUrl(run.executionArn), ...(Object.keys(builds).length > 0 ? { builds } : {}) };
}
