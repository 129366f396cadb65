/** Key shapes of the single table (docs/architecture.md, "DynamoDB single table"). */

export const RUN_SK = '#RUN';
export const DELIVERY_SK = '#DELIVERY';
export const STEP_PREFIX = 'STEP#';
/** Partition key of the sparse "active runs" index (gsi3). */
export const ACTIVE_PK = 'ACTIVE';

/** Partition of the pipeline registry: one item per pipeline that has run (`sk` = `PIPE#<repo>#<pipeline>`). */
export const PIPELINES_PK = 'PIPELINES';

export const runPk = (runId: string): string => `RUN#${runId}`;
export const stepSk = (key: string): string => `STEP#${key}`;
export const deliveryPk = (hookId: string, guid: string): string => `DELIVERY#${hookId}#${guid}`;
export const repoPk = (repo: string): string => `REPO#${repo}`;
export const pipelinePk = (repo: string, pipeline: string): string => `PIPE#${repo}#${pipeline}`;
/** Sorts by creation time, then id, so a descending query is newest first and ties are stable. */
export const newestFirstSk = (createdAt: string, runId: string): string => `${createdAt}#${runId}`;

export const runKey = (runId: string) => ({ pk: runPk(runId), sk: RUN_SK });
export const stepKey = (runId: string, key: string) => ({ pk: runPk(runId), sk: stepSk(key) });
