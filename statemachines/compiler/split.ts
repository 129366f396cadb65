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
import { RESOURCES, type State, type StateMachine, type TaskState } from '../asl/types.ts';
import { member } from './context.ts';
import type { Block } from './dag.ts';
import { closeBranch, emitDetached, emitInline, MAX_BRANCHES, parallelSelector } from './layout.ts';
import { estimate, type Estimates } from './limits.ts';
import { CONTEXT } from './run-context.ts';
import type { Scope } from './scope.ts';

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
}

export function partId(pipelineId: string, n: number): string {
  return `${pipelineId}#part-${n}`;
}

/** Renders `part` as its own machine. */
export function emitPart(scope: Scope, id: string, block: Block): CompiledPart {
  const definition = inExecutionOrder({ Comment: `serverless-ci pipeline ${id}`, ...emitDetached(scope, block) });
  const json = renderAsl(definition, 0);
  return {
    id,
    definition,
    json,
    hash: createHash('sha256').update(json).digest('hex'),
    estimates: estimate(definition, json),
  };
}

/**
 * The root's states that run `plan` then go to `next` (null: the end of a Parallel branch);
 * returns the first. `ids` names each part's machine.
 */
export function emitPlan(
  scope: Scope,
  plan: PartPlan,
  next: string | null,
  ids: Map<Block, string>,
  states: Record<string, State>,
): string {
  if (plan.kind === 'seq')
    return plan.items.reduceRight<string | null>((after, item) => emitPlan(scope, item, after, ids, states), next)!;
  if (plan.kind === 'inline') return emitInline(scope, plan.block, next, states);
  const flow = next === null ? { End: true as const } : { Next: next };
  if (plan.kind === 'part') {
    const id = ids.get(plan.block)!;
    const name = scope.names.claim(`run ${id.slice(id.lastIndexOf('#') + 1)}`);
    states[name] = partCall(scope, id, flow);
    return name;
  }
  const branches = plan.branches.length <= MAX_BRANCHES ? plan.branches : groupPlans(plan.branches);
  const rendered: StateMachine[] = branches.map((b) => {
    const own: Record<string, State> = {};
    return { StartAt: emitPlan(scope, b, null, ids, own), States: closeBranch(scope, own) };
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
 * Starts part `id` with the run, its context and the step statuses so far, and takes them back.
 * `part` in the input tells the reporter that this execution is not a run of its own.
 */
function partCall(scope: Scope, id: string, flow: { Next: string } | { End: true }): TaskState {
  return {
    Type: 'Task',
    Resource: RESOURCES.startExecution,
    Parameters: {
      'StateMachineArn.$': `$.run.callees${member(id)}`,
      Input: {
        'run.$': '$.run',
        'ctx.$': CONTEXT,
        'steps.$': '$.steps',
        part: id,
        'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
      },
    },
    // no ResultPath: the default replaces the state (aws-local-stepfunctions reads an explicit '$' as a key)
    ResultSelector: { 'run.$': '$.Output.run', 'ctx.$': `$.Output${CONTEXT.slice(1)}`, 'steps.$': '$.Output.steps' },
    TimeoutSeconds: scope.runBound,
    ...flow,
  };
}
