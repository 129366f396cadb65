/**
 * Upper bound of the data an execution carries from state to state, checked against Step
 * Functions' payload quota: a state's input or output, a task's result, an execution's input, at
 * most 262,144 bytes of UTF-8 JSON (docs/compiler.md "Cost and limits"). Over it, the execution
 * fails with `States.DataLimitExceeded`, which no catcher can catch, so a pipeline that could get
 * there is refused at compile time instead.
 *
 * The state of a run holds `$.run` (the execution input), `$.ctx` (the run context), the step
 * records at `$.steps`, the gate results at `$.gates` and the last caught error; on a redrive,
 * `$.ctx.prev` also holds the records of the attempt before (compile.ts, `run redrive`) while
 * `$.steps` fills again. The records, the gate results and the callees' ARNs are counted from the
 * plan (the worst case: every step ended, every declared output at its size limit, every gate
 * result still held); the run's event fields, their copy in the run context and the error are a
 * fixed reserve. A machine that runs the whole pipeline holds every record. A split pipeline
 * (split.ts) is bounded machine by machine: a part holds its own steps' records and those it
 * imports, the root those of the steps it runs itself, the parts' exports and their summaries, and
 * the root's call of a part has the part's input (the run, the context, its imports) and output
 * (its exports and summary) in one result.
 */
import type { Diagnostic } from '../diagnostics.ts';
import { MIN_OUTPUT_LIMIT_BYTES, OUTPUT_LIMIT_BYTES } from './outputs.ts';
import type { InstanceInfo, Scope } from './scope.ts';
import { declaredOutputs, emptyOutputs, SUCCEEDED_MARK } from './status.ts';
import { gatesOnWaitItem, waitItemWaiters } from './gate.ts';

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

/** How the pipeline is deployed: one machine, or a root and parts (split.ts). */
export type MachineShape =
  | { kind: 'whole' }
  | {
      kind: 'split';
      /** The steps the root runs itself. */
      inline: string[];
      parts: Array<{ id: string; own: string[]; imports: string[]; exports: string[] }>;
      /** Parts whose summary record (`{"status":"failed"}`) the root holds. */
      summaries: number;
    };

export interface PayloadBound {
  /** The largest payload of the run, in bytes: the sum of the fields below and RUN_RESERVE. */
  total: number;
  /** Where it is: `its state`, `the root's state`, `the state of part <id>`, `the root's call of part <id>`. */
  where: string;
  /** Step records held at `$.steps` (and passed into or out of a part). */
  steps: number;
  /** The attempt before's records at `$.ctx.prev` on a redrive, as a string when a part reads them back. */
  prev: number;
  /** Gate results at `$.gates`. */
  gates: number;
  /** `$.run.callees` and the run context's artifact pull functions. */
  fixed: number;
  /** Execution metadata in the result of a part call (ARNs, name, dates, status); 0 elsewhere. */
  metadata: number;
}

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** Bytes of a map of records, and of the same as a JSON string value (each `"` escaped; values are not). */
interface Sized {
  bytes: number;
  escaped: number;
}

/**
 * `{"status":…,"chain":…,"ok":true,"outputs":{…}}` of a step at its largest (a success has the mark), each
 * output at `outputLimit` bytes.
 */
function record(
  info: InstanceInfo | undefined,
  outputLimit: number,
): { json: string; values: number; outputs: number } {
  const outputs = info ? declaredOutputs(info) : [];
  const shape = { status: STATUS, chain: STATUS, ...SUCCEEDED_MARK, ...emptyOutputs(outputs) };
  return { json: JSON.stringify(shape), values: outputs.length * outputLimit, outputs: outputs.length };
}

const quotes = (text: string) => text.split('"').length - 1;

/** The map `{"<key>":<record>,…}` of `keys`; `extra` more entries of `{"status":"succeeded"}` (part summaries). */
function recordsSize(scope: Scope, keys: readonly string[], outputLimit: number, extra = 0): Sized {
  let size = { bytes: 2, escaped: 2 };
  const add = (key: string, r: { json: string; values: number }) => {
    const entry = `${JSON.stringify(key)}:${r.json},`;
    size = {
      bytes: size.bytes + bytes(entry) + r.values,
      escaped: size.escaped + bytes(entry) + quotes(entry) + r.values,
    };
  };
  for (const key of keys) add(key, record(scope.byKey.get(key), outputLimit));
  for (let i = 0; i < extra; i++) add('_part_00000', { json: JSON.stringify({ status: 'succeeded' }), values: 0 });
  return size;
}

/** `"<key>":<value bytes>,` in a map. */
const entry = (key: string, value: number) => bytes(JSON.stringify(key)) + 1 + value + 1;

/** A task token at its longest (SendTaskSuccess's `taskToken`: 1 to 2,048 characters). */
const TOKEN_BYTES = 2_048;

/** `"t_<key>":{"S":"<token>"},` in a DynamoDB item. */
const tokenEntry = (name: string) => entry(name, bytes('{"S":""}') + TOKEN_BYTES);

/**
 * A need's record as typed DynamoDB attributes (gate.ts `recordValues`: `{"s":{"S":…},…,"o":{"M":
 * {"<name>":{"S":…}}}}`), at most: every value's wrapper is shorter than the key and quotes it
 * stands beside in the plain record, so twice the plain record's JSON and the values once.
 */
const typedBytes = (r: { json: string; values: number }) => 2 * bytes(r.json) + r.values;

/** A need's record as the state holds it, at most: its JSON and its values. */
const plainBytes = (r: { json: string; values: number }) => bytes(r.json) + r.values;

/**
 * What gates hold among the steps `keys` (all when undefined; gate.ts): the records the gates
 * brought (`$.needs.<need>`, `$.gates.<key>.<need>`), and the largest item a signal read back
 * (`$.signal`): a need's wait item (its record, a token per step sharing it: at most
 * SHARED_WAITERS) or a counter (a token, `done` and each need's record).
 */
function gatesSize(scope: Scope, keys: ReadonlySet<string> | undefined, outputLimit: number): number {
  const held = (key: string) => !keys || keys.has(key);
  const recordOf = (key: string) => record(scope.byKey.get(key), outputLimit);
  const alone = new Set<string>();
  let joint = 2;
  let signal = 0;
  for (const [key, needs] of scope.gates) {
    if (needs.length === 1 && held(key)) alone.add(needs[0]!);
    if (gatesOnWaitItem(scope, key)) continue;
    let results = 2;
    let counter = 2 + tokenEntry('taskToken') + entry('done', bytes('{"N":"00"}'));
    for (const need of needs) {
      const r = recordOf(need);
      results += entry(need, plainBytes(r));
      counter += entry(`need_${need}`, bytes('{"M":}') + typedBytes(r));
    }
    if (held(key) && needs.length > 1) joint += entry(key, results);
    if (needs.some(held)) signal = Math.max(signal, entry('item', counter));
  }
  let records = 2;
  for (const need of alone) records += entry(need, plainBytes(recordOf(need)));
  for (const need of scope.signals.keys()) {
    const mine = waitItemWaiters(scope, need);
    if (!held(need) || mine.length === 0) continue;
    const item = mine.reduce((n, key) => n + tokenEntry(`t_${key}`), typedBytes(recordOf(need)));
    signal = Math.max(signal, entry('item', item));
  }
  return records + joint + signal;
}

/**
 * The bound for `scope`'s pipeline deployed as `shape`, with `callees` in `$.run.callees` (called
 * pipelines and parts), `pull` in its run context, and outputs of `outputLimit` bytes: the largest
 * of every machine's state and, split, of every result of a part call.
 */
export function payloadBound(
  scope: Scope,
  callees: string[],
  shape: MachineShape,
  pull: string,
  outputLimit: number,
): PayloadBound {
  const fixed = callees.reduce((n, key) => n + entry(key, ARN_BYTES), 2) + bytes(JSON.stringify(pull));
  const make = (where: string, steps: number, prev: number, gates: number, metadata = 0): PayloadBound => ({
    total: steps + prev + gates + fixed + metadata + RUN_RESERVE,
    where,
    steps,
    prev,
    gates,
    fixed,
    metadata,
  });
  if (shape.kind === 'whole') {
    const all = recordsSize(scope, [...scope.byKey.keys()], outputLimit);
    return make('its state', all.bytes, all.bytes, gatesSize(scope, undefined, outputLimit));
  }
  const held = recordsSize(
    scope,
    [...shape.inline, ...shape.parts.flatMap((p) => p.exports)],
    outputLimit,
    shape.summaries,
  );
  const candidates = [
    make("the root's state", held.bytes, held.bytes, gatesSize(scope, new Set(shape.inline), outputLimit)),
  ];
  for (const part of shape.parts) {
    const mine = recordsSize(scope, [...part.own, ...part.imports], outputLimit, 1);
    const imports = recordsSize(scope, part.imports, outputLimit);
    const gates = gatesSize(scope, new Set(part.own), outputLimit);
    // Its own records and the attempt before's (read back from the run store), or, while they are
    // being read back, its imports, the root's records and the string they are read from.
    const reading = imports.bytes + held.bytes + mine.escaped;
    const holding = mine.bytes + Math.max(mine.bytes, held.bytes);
    candidates.push(
      reading > holding
        ? make(`the state of part ${part.id}`, imports.bytes, held.bytes + mine.escaped, gates)
        : make(`the state of part ${part.id}`, mine.bytes, Math.max(mine.bytes, held.bytes), gates),
    );
    // The call's result: the part's input (the run, its context with the root's records of the
    // attempt before, its imports) and its output (its exports and summary).
    const io = imports.bytes + recordsSize(scope, part.exports, outputLimit, 1).bytes;
    candidates.push(make(`the root's call of part ${part.id}`, io, held.bytes, 0, CALL_METADATA));
  }
  return candidates.reduce((a, b) => (b.total > a.total ? b : a));
}

/**
 * The largest output limit, at most OUTPUT_LIMIT_BYTES and at least MIN_OUTPUT_LIMIT_BYTES, at
 * which the bound is within the quota; undefined when none is (the bound grows with the limit).
 */
export function fittingOutputLimit(bound: (outputLimit: number) => PayloadBound): number | undefined {
  if (bound(MIN_OUTPUT_LIMIT_BYTES).total > PAYLOAD_BYTES) return undefined;
  let [low, high] = [MIN_OUTPUT_LIMIT_BYTES, OUTPUT_LIMIT_BYTES + 1];
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (bound(mid).total <= PAYLOAD_BYTES) low = mid;
    else high = mid;
  }
  return low;
}

/**
 * A diagnostic when a run of the pipeline, its outputs at `outputLimit` bytes each, could go over
 * the payload quota.
 */
export function checkPayload(scope: Scope, bound: PayloadBound, outputLimit: number): Diagnostic[] {
  if (bound.total <= PAYLOAD_BYTES) return [];
  return [
    {
      code: 'payload-too-large',
      message:
        `a run could carry up to ${bound.total} bytes in ${bound.where}, over Step Functions' limit of ${PAYLOAD_BYTES} bytes ` +
        `(step statuses and outputs ${bound.steps}, each output at ${outputLimit} bytes; ` +
        `the attempt before's on a redrive ${bound.prev}; gate results ${bound.gates}, callees ${bound.fixed}, ` +
        `${bound.metadata > 0 ? `execution metadata ${bound.metadata}, ` : ''}` +
        `run fields and error ${RUN_RESERVE}): move steps into pipelines that pipeline: steps call ` +
        '(each child run carries its own statuses) or declare fewer outputs',
      path: ['steps'],
      span: { file: scope.pipeline.file, line: 1, col: 1 },
    },
  ];
}
