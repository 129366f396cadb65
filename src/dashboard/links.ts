/**
 * Links from a run on AWS to the AWS console: the execution's page in the Step Functions console
 * (its graph, each CodeBuild task with its build), the same address the commit statuses carry.
 * A local run (`local:<id>`) has none.
 */
import type { RunRecord } from '../core/ports.ts';
import { consoleUrl } from '../aws/names.ts';
import type { RunLinks } from './ports.ts';

export function runLinks(run: Pick<RunRecord, 'executionArn'>): RunLinks {
  return run.executionArn?.startsWith('arn:aws:states:') ? { execution: consoleUrl(run.executionArn) } : {};
}
