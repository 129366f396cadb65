/**
 * The reason a failed step shows locally: the build's own words (`exit code 3`, `disk full while
 * writing the step log (ENOSPC: …)`, `secret TOKEN is not set locally: …`). The compiled failure
 * write names the Step Functions error, `failed (States.TaskFailed)`, all Step Functions tells of
 * a failed build; the local engine ran the build and knows why, so that write records the build's
 * reason instead.
 */
import { STEP_PREFIX } from '../../../statemachines/lifecycle.ts';
import type { TaskRun } from '../services.ts';

/** The compiled reason of a failed `.sync` build (statemachines/compiler/step.ts FAILURE_REASON). */
const GENERIC = 'failed (States.TaskFailed)';

interface StatusWrite {
  Key?: { sk?: { S?: unknown } };
  ExpressionAttributeValues?: Record<string, { S?: unknown } | undefined>;
}

/** `input` with the build's reason in place of the generic one, when it writes that step's failure. */
export function withBuildReason(run: TaskRun, input: unknown): unknown {
  const write = input as StatusWrite;
  const sk = write.Key?.sk?.S;
  const values = write.ExpressionAttributeValues;
  if (typeof sk !== 'string' || !sk.startsWith(STEP_PREFIX) || values?.[':r']?.S !== GENERIC) return input;
  const reason = run.buildFailures?.get(sk.slice(STEP_PREFIX.length));
  if (!reason || values[':s']?.S !== 'failed') return input;
  return { ...write, ExpressionAttributeValues: { ...values, ':r': { S: reason } } };
}
