/**
 * Records ⇄ table items. Items carry the keys, the index keys and `expiresAt`; records carry
 * only what the port promises, with optional fields absent rather than undefined.
 */
import type { RunRecord, StepRecord } from '../core/ports.ts';
import { ACTIVE_PK, newestFirstSk, pipelinePk, repoPk, runKey, stepKey } from '../../statemachines/lifecycle.ts';

export type Item = Record<string, unknown>;

const RUN_FIELDS = [
  'id',
  'repo',
  'pipeline',
  'status',
  'event',
  'sha',
  'ref',
  'branch',
  'tag',
  'actor',
  'inputs',
  'createdAt',
  'startedAt',
  'endedAt',
  'reason',
  'executionArn',
  'definitionHash',
  'parentRunId',
  'concurrencyGroup',
  'transitions',
  'waitingFor',
  'queuedStart',
  'redriveCount',
  'redrivenAt',
  'untrusted',
] as const satisfies readonly (keyof RunRecord)[];

const STEP_FIELDS = [
  'runId',
  'key',
  'name',
  'kind',
  'order',
  'status',
  'attempts',
  'startedAt',
  'endedAt',
  'reason',
  'decision',
  'decidedBy',
  'needs',
  'group',
  'compute',
  'outputs',
  'buildId',
] as const satisfies readonly (keyof StepRecord)[];

/** Copies the listed fields that are present; DynamoDB rejects undefined values. */
function pick(source: object, fields: readonly string[]): Item {
  const out: Item = {};
  for (const field of fields) {
    const value = (source as Item)[field];
    if (value !== undefined) out[field] = value;
  }
  return out;
}

/** TTL of a delivery record: GitHub redelivers the same GUID for up to 3 days. */
export const DELIVERY_RETENTION_DAYS = 4;

/** Epoch seconds `days` after `now`, for the TTL attribute. */
export function expiresAt(now: Date, days: number): number {
  return Math.floor(now.getTime() / 1000) + Math.round(days * 86_400);
}

/**
 * The run item as first written: no index keys and `committed: false`, so no reader can see it
 * until its steps are all written (see `commitAttributes`).
 */
export function runItem(run: RunRecord, stepCount: number, expires: number): Item {
  return { ...runKey(run.id), type: 'run', ...pick(run, RUN_FIELDS), stepCount, committed: false, expiresAt: expires };
}

/** Index keys that make a committed run visible: by repo, by pipeline, and (while active) gsi3. */
export function commitAttributes(run: RunRecord): Item {
  const sortKey = newestFirstSk(run.createdAt, run.id);
  return {
    committed: true,
    gsi1pk: repoPk(run.repo),
    gsi1sk: sortKey,
    gsi2pk: pipelinePk(run.repo, run.pipeline),
    gsi2sk: sortKey,
    gsi3pk: ACTIVE_PK,
    gsi3sk: sortKey,
  };
}

export function stepItem(step: StepRecord, expires: number): Item {
  return { ...stepKey(step.runId, step.key), type: 'step', ...pick(step, STEP_FIELDS), expiresAt: expires };
}

export function toRunRecord(item: Item): RunRecord {
  return pick(item, RUN_FIELDS) as unknown as RunRecord;
}

export function toStepRecord(item: Item): StepRecord {
  return pick(item, STEP_FIELDS) as unknown as StepRecord;
}

/** A run item that readers may see: fully created. */
export function isCommittedRun(item: Item | undefined): item is Item {
  return item !== undefined && item.type === 'run' && item.committed === true;
}
