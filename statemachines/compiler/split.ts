/**
 * A pipeline over Step Functions' quotas (1 MB of definition, 25,000 history events per
 * execution) runs as several state machines. The layout is cut where it already has boundaries:
 * between the items of a sequence (a DAG layer, a matrix and its join) and between the branches
 * of a Parallel. Each part is a state machine of its own (`<pipeline>#part-<n>`, numbered in
 * execution order, so its name and content are deterministic); the root runs the parts as child
 * executions (`startExecution.sync:2`) in the same sequence/Parallel shape, passing the run, its
 * context and every step status so far in, and taking them back out. Parts share the run: the
 * same run id, the same step items, the same gate items, so a gate between two parts that run
 * side by side works as between two branches.
 */
import { createHash } from 'node:crypto';
import { inExecutionOrder, renderAsl } from '../asl/render.ts';
import { RESOURCES, type ChoiceRule, type Json, type State, type StateMachine, type TaskState } from '../asl/types.ts';
import { PART_PREFIX } from '../lifecycle.ts';
import { member } from './context.ts';
import type { Block } from './dag.ts';
import { closeBranch, emitInline, MAX_BRANCHES, parallelSelector } from './layout.ts';
import { estimate, type Estimates } from './limits.ts';
import { CONTEXT } from './run-context.ts';
import { itemKey, type Scope } from './scope.ts';
import { failedRule, WRITE_TIMEOUT } from './status.ts';

/** How the root runs the parts: a part is one child execution; an inline block runs in the root itself. */
export type PartPlan =
  | { kind: 'part'; block: Block }
  | { kind: 'inline'; block: Block }
  | { kind: 'seq'; items: PartPlan[] }
  | { kind: 'par'; branches: PartPlan[] };

export function stepCount(block: Block): number {
  let n = 0;
  const stack = [block];
  while (stack.length > 0) {
    const b = stack.pop()!;
    if (b.kind === 'step') n += 1;
    else stack.push(...(b.kind === 'seq' ? b.items : b.branches));
  }
  return n;
}

/**
 * Cuts `block` into parts of at most `budget` steps: consecutive items of a sequence are packed
 * together while they fit; the branches of a Parallel, whose order does not matter, are packed
 * first-fit, largest first; a child larger than the budget is cut in turn.
 */
export function planParts(block: Block, budget: number): PartPlan {
  if (block.kind === 'step' || stepCount(block) <= budget) return { kind: 'part', block };
  const children = (block.kind === 'seq' ? block.items : block.branches).map((b) => ({ block: b, size: stepCount(b) }));
  const wrap = (packed: Block[]): PartPlan => ({
    kind: 'part',
    block:
      packed.length === 1
        ? packed[0]!
        : block.kind === 'seq'
          ? { kind: 'seq', items: packed }
          : { kind: 'par', branches: packed },
  });
  const out: PartPlan[] = [];
  if (block.kind === 'seq') {
    let packed: Block[] = [];
    let size = 0;
    for (const child of children) {
      if (packed.length > 0 && (child.size > budget || size + child.size > budget)) {
        out.push(wrap(packed));
        packed = [];
        size = 0;
      }
      if (child.size > budget) out.push(planParts(child.block, budget));
      else {
        packed.push(child.block);
        size += child.size;
      }
    }
    if (packed.length > 0) out.push(wrap(packed));
    return { kind: 'seq', items: out };
  }
  const bins: Array<{ blocks: Block[]; size: number }> = [];
  for (const child of [...children].sort((a, b) => b.size - a.size)) {
    if (child.size > budget) {
      out.push(planParts(child.block, budget));
      continue;
    }
    const bin = bins.find((b) => b.size + child.size <= budget);
    if (bin) {
      bin.blocks.push(child.block);
      bin.size += child.size;
    } else bins.push({ blocks: [child.block], size: child.size });
  }
  return { kind: 'par', branches: [...out, ...bins.map((b) => wrap(b.blocks))] };
}

/**
 * Folds the smallest parts back into the root: a deep DAG cut top-down leaves its "spine" (the step
 * before each Parallel too large for one part) and the leftovers of each level as parts of a few
 * steps, each a machine of its own. Parts of at most `small` steps run inline in the root instead,
 * smallest first (then in execution order), while the root has room for `room` more steps (the
 * root is a machine under the same quotas).
 */
export function foldSmallParts(plan: PartPlan, small: number, room: number): PartPlan {
  const sizes = new Map<Block, number>();
  const collect = (p: PartPlan): void => {
    if (p.kind === 'part') {
      const n = stepCount(p.block);
      if (n <= small) sizes.set(p.block, n);
    } else if (p.kind !== 'inline') for (const c of p.kind === 'seq' ? p.items : p.branches) collect(c);
  };
  collect(plan);
  const folded = new Set<Block>();
  let left = room;
  // A stable sort: equal sizes keep their execution order.
  for (const [block, n] of [...sizes].sort((a, b) => a[1] - b[1])) {
    if (n > left) break;
    folded.add(block);
    left -= n;
  }
  const visit = (p: PartPlan): PartPlan => {
    if (p.kind === 'part') return folded.has(p.block) ? { kind: 'inline', block: p.block } : p;
    if (p.kind === 'inline') return p;
    return p.kind === 'seq'
      ? { kind: 'seq', items: p.items.map(visit) }
      : { kind: 'par', branches: p.branches.map(visit) };
  };
  return visit(plan);
}

/** The parts of `plan` in execution order (pre-order). */
export function partsOf(plan: PartPlan): Block[] {
  if (plan.kind === 'inline') return [];
  if (plan.kind === 'part') return [plan.block];
  return (plan.kind === 'seq' ? plan.items : plan.branches).flatMap(partsOf);
}

/** The step keys of `block`, in layout order. */
export function stepKeys(block: Block): string[] {
  if (block.kind === 'step') return [block.key];
  return (block.kind === 'seq' ? block.items : block.branches).flatMap(stepKeys);
}

/**
 * The record a part returns for the run's result: `{ status: 'failed' }` when one of its steps
 * failed without `allow_failure`. A leading `_` no step key has (pipeline/plan.ts), so it never
 * collides with a step's record.
 */
export function summaryKey(n: number): string {
  return `_part_${n}`;
}

/** Keys of the step records states read at `$.steps.<key>` (every such read is a literal path), from their JSON. */
export function recordReads(json: string): Set<string> {
  return new Set([...json.matchAll(/\$\.steps\.(\w+)/g)].map((m) => m[1]!));
}

/** A part as deployed: a state machine of its own, started by the root. */
export interface CompiledPart {
  /** `<pipeline id>#part-<n>`: names its state machine; also its key in `$.run.callees` (no pipeline's callee key has a `#`). */
  id: string;
  definition: StateMachine;
  /** Compact deterministic JSON of `definition`. */
  json: string;
  /** sha256 (hex) of `json`. */
  hash: string;
  estimates: Estimates;
  /** The steps it runs, in layout order. */
  own: string[];
  /** Records of other steps its states read: what the root passes in (its input's `steps`). */
  imports: string[];
  /** Records of its steps that later states read: what it returns (with its summary). */
  exports: string[];
}

export function partId(pipelineId: string, n: number): string {
  return `${pipelineId}#part-${n}`;
}

/** A part before its end is known: its steps' states, entered at `start`, ending at `end` (not emitted yet). */
export interface PartBody {
  id: string;
  n: number;
  own: string[];
  imports: string[];
  start: string;
  end: string;
  states: Record<string, State>;
}

/** `pk`/`sk` of the item where a part keeps its step records for a redrive (`PART#<n>`); `pk` at `pkPath`. */
function recordItem(n: number, pkPath?: string): Record<string, Json> {
  const key = itemKey(`${PART_PREFIX}${n}`);
  return pkPath ? { ...key, pk: { 'S.$': pkPath } } : key;
}

/**
 * The states of part `n`: on a redrive (`$.ctx.attempt` > 0), it first reads the records its
 * previous execution kept (`PART#<n>`, written at its end) into `$.ctx.prev`, where its steps'
 * checks find what to carry (step.ts), exactly as in an unsplit machine; then its block.
 */
export function emitPartBody(scope: Scope, id: string, n: number, block: Block): PartBody {
  const label = `part-${n}`;
  const end = scope.names.claim(label, 'result');
  const states: Record<string, State> = {};
  const first = emitInline(scope, block, end, states);
  const own = stepKeys(block);
  const mine = new Set(own);
  const reads = recordReads(JSON.stringify(states));
  const imports = [...scope.byKey.keys()].filter((k) => reads.has(k) && !mine.has(k));
  const redrive = scope.names.claim(label, 'redrive?');
  const previous = scope.names.claim(label, 'previous');
  const found = scope.names.claim(label, 'previous?');
  const restore = scope.names.claim(label, 'previous records');
  states[redrive] = {
    Type: 'Choice',
    Choices: [{ Variable: `${CONTEXT}.attempt`, NumericGreaterThan: 0, Next: previous }],
    Default: first,
  };
  states[previous] = {
    Type: 'Task',
    Resource: RESOURCES.getItem,
    Parameters: { TableName: scope.target.tableName, Key: recordItem(n), ConsistentRead: true },
    ResultPath: '$.redrive',
    TimeoutSeconds: WRITE_TIMEOUT,
    Retry: [{ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 3 }],
    Next: found,
  };
  // absent when the attempt before never ended this part: nothing to carry then
  states[found] = {
    Type: 'Choice',
    Choices: [{ Variable: '$.redrive.Item.r.S', IsPresent: true, Next: restore }],
    Default: first,
  };
  states[restore] = {
    Type: 'Pass',
    Parameters: {
      'run.$': '$.run',
      'ctx.$': `States.JsonMerge(${CONTEXT}, States.StringToJson($.redrive.Item.r.S), false)`,
      'steps.$': '$.steps',
    },
    Next: first,
  };
  return { id, n, own, imports, start: redrive, end, states };
}

/**
 * Ends part `body` and renders it: `result` decides its summary (failed when one of its steps
 * failed without `allow_failure`), `output` keeps its records (`keep.prev`) and shapes what it
 * returns (`out`: the `exports` and the summary), `save` writes `keep` to `PART#<n>` for a
 * redrive and returns `out`. A lost save only costs the redrive its carried steps in this part.
 */
export function finishPart(scope: Scope, body: PartBody, exports: string[]): CompiledPart {
  const label = `part-${body.n}`;
  const { states } = body;
  const save = scope.names.claim(label, 'save');
  const unsaved = scope.names.claim(label, 'unsaved');
  const output = (status: 'succeeded' | 'failed'): State => ({
    Type: 'Pass',
    Parameters: {
      'pk.$': `${CONTEXT}.pk`,
      keep: { 'prev.$': '$.steps' },
      out: {
        steps: {
          ...Object.fromEntries(exports.map((k) => [`${k}.$`, `$.steps.${k}`])),
          [summaryKey(body.n)]: { status },
        },
      },
    },
    Next: save,
  });
  const anyFailed = failedRule(scope, body.own);
  if (!anyFailed) states[body.end] = output('succeeded');
  else {
    const passed = scope.names.claim(label, 'succeeded');
    const failed = scope.names.claim(label, 'failed');
    states[body.end] = {
      Type: 'Choice',
      Choices: [{ ...anyFailed, Next: failed } as ChoiceRule & { Next: string }],
      Default: passed,
    };
    states[passed] = output('succeeded');
    states[failed] = output('failed');
  }
  states[save] = {
    Type: 'Task',
    Resource: RESOURCES.updateItem,
    Parameters: {
      TableName: scope.target.tableName,
      Key: recordItem(body.n, '$.pk'),
      UpdateExpression: 'SET #r = :r',
      ExpressionAttributeNames: { '#r': 'r' },
      ExpressionAttributeValues: { ':r': { 'S.$': 'States.JsonToString($.keep)' } },
    },
    ResultPath: null,
    OutputPath: '$.out',
    TimeoutSeconds: WRITE_TIMEOUT,
    Retry: [{ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 3 }],
    Catch: [{ ErrorEquals: ['States.ALL'], Next: unsaved, ResultPath: null }],
    End: true,
  };
  states[unsaved] = { Type: 'Pass', OutputPath: '$.out', End: true };
  const definition = inExecutionOrder({
    Comment: `serverless-ci pipeline ${body.id}`,
    StartAt: body.start,
    States: closeBranch(scope, states),
  });
  const json = renderAsl(definition, 0);
  return {
    id: body.id,
    definition,
    json,
    hash: createHash('sha256').update(json).digest('hex'),
    estimates: estimate(definition, json),
    own: body.own,
    imports: body.imports,
    exports,
  };
}

/** What the root needs of each part to start it: its machine's id and the records it reads. */
export interface PartCall {
  id: string;
  n: number;
  imports: string[];
}

/**
 * The root's states that run `plan` then go to `next` (null: the end of a Parallel branch);
 * returns the first. `calls` names each part's machine and what it reads.
 */
export function emitPlan(
  scope: Scope,
  plan: PartPlan,
  next: string | null,
  calls: Map<Block, PartCall>,
  states: Record<string, State>,
): string {
  if (plan.kind === 'seq')
    return plan.items.reduceRight<string | null>((after, item) => emitPlan(scope, item, after, calls, states), next)!;
  if (plan.kind === 'inline') return emitInline(scope, plan.block, next, states);
  const flow = next === null ? { End: true as const } : { Next: next };
  if (plan.kind === 'part') {
    const call = calls.get(plan.block)!;
    const name = scope.names.claim(`run part-${call.n}`);
    const merge = scope.names.claim(`part-${call.n}`, 'records');
    states[name] = partCall(scope, call, merge);
    // the part's records join the root's: one transition, and no part carries what it does not read
    states[merge] = {
      Type: 'Pass',
      Parameters: {
        'run.$': '$.run',
        'ctx.$': CONTEXT,
        'steps.$': `States.JsonMerge($.steps, $.part.steps, false)`,
      },
      ...flow,
    };
    return name;
  }
  const branches = plan.branches.length <= MAX_BRANCHES ? plan.branches : groupPlans(plan.branches);
  const rendered: StateMachine[] = branches.map((b) => {
    const own: Record<string, State> = {};
    return { StartAt: emitPlan(scope, b, null, calls, own), States: closeBranch(scope, own) };
  });
  const name = scope.names.claim('run parts');
  states[name] = { Type: 'Parallel', Branches: rendered, ResultSelector: parallelSelector(rendered.length), ...flow };
  return name;
}

/** More than MAX_BRANCHES branches become Parallels of Parallels (one field nests at most 10 intrinsics). */
function groupPlans(branches: PartPlan[]): PartPlan[] {
  const size = Math.ceil(branches.length / MAX_BRANCHES);
  const groups: PartPlan[] = [];
  for (let i = 0; i < branches.length; i += size) {
    const chunk = branches.slice(i, i + size);
    groups.push(chunk.length === 1 ? chunk[0]! : { kind: 'par', branches: chunk });
  }
  return groups.length <= MAX_BRANCHES ? groups : groupPlans(groups);
}

/**
 * Starts a part with the run, its context and only the records its steps read, and puts what
 * it returns at `$.part`. `part` in the input tells the reporter that this execution is not a
 * run of its own.
 */
function partCall(scope: Scope, call: PartCall, next: string): TaskState {
  return {
    Type: 'Task',
    Resource: RESOURCES.startExecution,
    Parameters: {
      'StateMachineArn.$': `$.run.callees${member(call.id)}`,
      Input: {
        'run.$': '$.run',
        'ctx.$': CONTEXT,
        steps: Object.fromEntries(call.imports.map((k) => [`${k}.$`, `$.steps.${k}`])),
        part: call.id,
        'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
      },
    },
    ResultSelector: { 'steps.$': '$.Output.steps' },
    ResultPath: '$.part',
    TimeoutSeconds: scope.runBound,
    Next: next,
  };
}
