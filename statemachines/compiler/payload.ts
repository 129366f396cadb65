/**
 * Upper bound of the data an execution carries from state to state, checked against Step
 * Functions' payload quota: a state's input or output, a task's result, an execution's input, at
 * most 262,144 bytes of UTF-8 JSON (docs/compiler.md "Cost and limits"). Over it, the execution
 * fails with `States.DataLimitExceeded`, which no catcher can catch, so a pipeline that could get
 * there is refused at compile time instead.
 *
 * The state of a run holds `$.run` (the execution input), `$.ctx` (the run context), a record per
 * step that has ended at `$.steps`, the gate results at `$.gates` and the last caught error. The
 * records, the gate results and the callees' ARNs are counted from the plan (the worst case:
 * every step ended, every declared output at its size limit, every gate result still held); the
 * run's event fields, their copy in the run context and the error are a fixed reserve. When the
 * pipeline is split, the root's call of a part (`startExecution.sync:2`) has the child's input
 * and its output in one result: the run, its context and the step records twice.
 */
import type { Diagnostic } from '../diagnostics.ts';
import { MIN_OUTPUT_LIMIT_BYTES, OUTPUT_LIMIT_BYTES } from './outputs.ts';
import type { InstanceInfo, Scope } from './scope.ts';

/** Step Functions' payload quota, in bytes of UTF-8 JSON. */
export const PAYLOAD_BYTES = 262_144;

/**
 * Assumed at most: `$.run` without its callees (ids, repository, refs, PR, build roles, manual
 * inputs, released outputs), its copy in `$.ctx` (base64, 4/3 of it), `$.end` and the last caught
 * error (a failed build's `Cause` describes the build).
 */
export const RUN_RESERVE = 32_768;

/** A callee's entry in `$.run.callees`: its key and a versioned state machine ARN (80-character name). */
const ARN_BYTES = 160;

/** The longest status or chain value (`cancelled`, `succeeded`). */
const STATUS = 'cancelled';

/** What the result of a part call adds to the child's input and output (ARNs, name, dates, status). */
const CALL_METADATA = 1_024;

export interface PayloadBound {
  /** Step records at `$.steps`, every step ended. */
  steps: number;
  /** Gate results at `$.gates`. */
  gates: number;
  /** `$.run.callees` and the run context's artifact pull functions. */
  fixed: number;
  /** The largest state: all of the above and RUN_RESERVE. */
  state: number;
  /** The largest result of a part call (0 without parts): the child's input and output. */
  partCall: number;
}

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** `{"status":…,"chain":…,"outputs":{…}}` of a step at its largest, each output at `outputLimit` bytes. */
function recordBytes(info: InstanceInfo, outputLimit: number): number {
  const outputs = info.inst.step.kind === 'run' ? info.inst.step.outputs : [];
  const base = bytes(JSON.stringify({ status: STATUS, chain: STATUS }));
  if (outputs.length === 0) return base;
  const values = outputs.reduce((n, name) => n + bytes(JSON.stringify(name)) + 1 + outputLimit + 2, 0);
  return base + bytes(',"outputs":{}') + values + outputs.length - 1;
}

/**
 * The bound for `scope`'s pipeline, with `callees` in `$.run.callees` (called pipelines and parts),
 * `split` when the root calls parts, `pull` in its run context, and outputs of `outputLimit` bytes.
 */
export function payloadBound(
  scope: Scope,
  callees: string[],
  split: boolean,
  pull: string,
  outputLimit: number,
): PayloadBound {
  const infos = [...scope.byKey.values()];
  const entry = (key: string, value: number) => bytes(JSON.stringify(key)) + 1 + value + 1;
  const steps = infos.reduce((n, i) => n + entry(i.key, recordBytes(i, outputLimit)), 2);
  let gates = 2;
  for (const [key, needs] of scope.gates) {
    const results = needs.reduce((n, need) => {
      const info = scope.byKey.get(need);
      const withRecord = info && info.inst.step.kind === 'run' && info.inst.step.outputs.length > 0;
      const result = bytes(JSON.stringify({ status: STATUS, chain: STATUS }));
      return n + entry(need, result + (withRecord ? bytes(',"record":') + recordBytes(info, outputLimit) : 0));
    }, 2);
    gates += entry(key, results);
  }
  const fixed = callees.reduce((n, key) => n + entry(key, ARN_BYTES), 2) + bytes(JSON.stringify(pull));
  const state = steps + gates + fixed + RUN_RESERVE;
  // The child's input holds no gate result (the root passes run, ctx and steps) and its output only
  // its own: the gate results the root holds and those a part returns are different ones.
  const partCall = split ? 2 * (steps + fixed + RUN_RESERVE) + gates + CALL_METADATA : 0;
  return { steps, gates, fixed, state, partCall };
}

const worstOf = (bound: PayloadBound) => Math.max(bound.state, bound.partCall);

/**
 * The largest output limit, at most OUTPUT_LIMIT_BYTES and at least MIN_OUTPUT_LIMIT_BYTES, at
 * which the bound is within the quota; undefined when none is (the bound grows with the limit).
 */
export function fittingOutputLimit(bound: (outputLimit: number) => PayloadBound): number | undefined {
  if (worstOf(bound(MIN_OUTPUT_LIMIT_BYTES)) > PAYLOAD_BYTES) return undefined;
  let [low, high] = [MIN_OUTPUT_LIMIT_BYTES, OUTPUT_LIMIT_BYTES + 1];
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (worstOf(bound(mid)) <= PAYLOAD_BYTES) low = mid;
    else high = mid;
  }
  return low;
}

/**
 * A diagnostic when a run of the pipeline, its outputs at `outputLimit` bytes each, could go over
 * the payload quota.
 */
export function checkPayload(scope: Scope, bound: PayloadBound, outputLimit: number): Diagnostic[] {
  const worst = worstOf(bound);
  if (worst <= PAYLOAD_BYTES) return [];
  const what =
    bound.partCall > bound.state ? 'the result of a call of one of its parts (input and output)' : 'its state';
  return [
    {
      code: 'payload-too-large',
      message:
        `a run could carry up to ${worst} bytes in ${what}, over Step Functions' limit of ${PAYLOAD_BYTES} bytes ` +
        `(step statuses and outputs ${bound.steps}, each output at ${outputLimit} bytes; ` +
        `gate results ${bound.gates}, callees ${bound.fixed}, ` +
        `run fields and error ${RUN_RESERVE}): move steps into pipelines that pipeline: steps call ` +
        '(each child run carries its own statuses) or declare fewer outputs',
      path: ['steps'],
      span: { file: scope.pipeline.file, line: 1, col: 1 },
    },
  ];
}
