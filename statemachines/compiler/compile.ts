/**
 * Pipeline model + planned instances → one Amazon States Language definition (JSONPath),
 * deterministic byte for byte, with its hash, step list, callees and cost estimates.
 */
import { createHash } from 'node:crypto';
import { StateNames } from '../asl/names.ts';
import { inExecutionOrder, renderAsl } from '../asl/render.ts';
import type { ChoiceRule, PassState, State, StateMachine } from '../asl/types.ts';
import { fail, ok, type Diagnostic, type Result } from '../diagnostics.ts';
import type { Compute, Pipeline, StepInstance } from '../pipeline/model.ts';
import { parsePipeline } from '../pipeline/parse.ts';
import { planSteps } from '../pipeline/plan.ts';
import { layoutDag, type DagLayout } from './dag.ts';
import { calleeKey } from './kinds.ts';
import { emitInline } from './layout.ts';
import { estimate, LIMITS, type Estimates } from './limits.ts';
import { Visibility } from './visibility.ts';
import { CONTEXT, runContextState } from './run-context.ts';
import {
  emitPartBody,
  emitPlan,
  finishPart,
  foldSmallParts,
  partId,
  partsOf,
  planParts,
  recordReads,
  stepKeys,
  summaryKey,
  type CompiledPart,
  type PartPlan,
} from './split.ts';
import { pullPrelude } from './run-task.ts';
import { failedRule } from './status.ts';
import { checkPayload, fittingOutputLimit, payloadBound, type MachineShape, type PayloadBound } from './payload.ts';
import { MIN_OUTPUT_LIMIT_BYTES, OUTPUT_LIMIT_BYTES } from './outputs.ts';
import { DEFAULT_TARGET, type CompileTarget, type InstanceInfo, type Scope } from './scope.ts';

export type { CompiledPart } from './split.ts';

export type { CompileTarget } from './scope.ts';

export interface CompiledStep {
  key: string;
  name: string;
  kind: 'run' | 'approval' | 'pipeline' | 'rollout';
  /** Keys of the direct needs. */
  needs: string[];
  /** Position in the plan. */
  order: number;
  /** For a `pipeline:` step, the id of the pipeline it calls. */
  calls?: string;
  /** For a matrix cell, the name of the step it expands. */
  group?: string;
  /** For a `run` step, the compute it builds on (what its build costs). */
  compute?: Compute;
}

export interface CompiledPipeline {
  pipelineId: string;
  definition: StateMachine;
  /** Compact deterministic JSON of `definition`: what is deployed and hashed. */
  json: string;
  /** sha256 (hex) of `json`: names the published version. */
  hash: string;
  steps: CompiledStep[];
  /** Pipelines this one calls, keyed as in `$.run.callees`. */
  callees: Array<{ key: string; pipeline: string }>;
  /**
   * The state machines the root starts when the pipeline is over Step Functions' quotas
   * (split.ts), each keyed in `$.run.callees` by its id; empty when it fits in one.
   */
  parts: CompiledPart[];
  /** Of the root machine (each part has its own). */
  estimates: Estimates;
  /** The largest payload a run could carry (payload.ts), when the payload quota was checked. */
  payload?: PayloadBound;
}

export interface CompileOptions {
  /**
   * The pipelines `pipeline:` steps call, by id. When given, a child input also carries every
   * input the callee declares and the step does not pass (its default, else '', 0 or false),
   * and literal values are typed as declared, so the child's input is complete.
   * @default none: the child gets exactly the step's `inputs`, as strings
   */
  callees?: ReadonlyMap<string, Pipeline>;
  /** @default true; false returns definitions over Step Functions' quotas (to measure them). */
  enforceLimits?: boolean;
  /** @default true: a pipeline over the quotas is split into parts (split.ts); false refuses it. */
  split?: boolean;
  /**
   * Split into parts of at most this many steps even when the whole fits (tests of the split path).
   * @default none: split only over the quotas, with a budget derived from them
   */
  partSteps?: number;
  /**
   * Bytes one step output may hold (outputs.ts).
   * @default OUTPUT_LIMIT_BYTES, or the largest limit under it at which the run's state fits (payload.ts)
   */
  outputLimit?: number;
}

/** A compile result, or the smaller output limit at which the pipeline would fit in the payload quota. */
type Attempt = Result<CompiledPipeline> | { outputLimit: number };

/** Compiles with the exact DAG layout. */
export function compilePipeline(
  pipeline: Pipeline,
  instances: StepInstance[],
  target?: Partial<CompileTarget>,
  options: CompileOptions = {},
): Result<CompiledPipeline> {
  const keyOf = new Map(instances.map((i) => [i.name, i.key]));
  const needs = new Map(instances.map((i) => [i.key, i.needs.map((n) => keyOf.get(n) ?? n)]));
  return compileLayout(
    pipeline,
    instances,
    layoutDag(
      instances.map((i) => i.key),
      needs,
    ),
    target,
    options,
  );
}

/** Compiles a given layout (the benchmark compares other layouts through this). */
export function compileLayout(
  pipeline: Pipeline,
  instances: StepInstance[],
  layout: DagLayout,
  target?: Partial<CompileTarget>,
  options: CompileOptions = {},
): Result<CompiledPipeline> {
  const fullTarget = { ...DEFAULT_TARGET, ...target };
  let attempt = compileAt(pipeline, instances, layout, fullTarget, options);
  // the limit only shrinks (withinPayload), so this ends
  while ('outputLimit' in attempt)
    attempt = compileAt(pipeline, instances, layout, fullTarget, { ...options, outputLimit: attempt.outputLimit });
  return attempt;
}

function compileAt(
  pipeline: Pipeline,
  instances: StepInstance[],
  layout: DagLayout,
  fullTarget: CompileTarget,
  options: CompileOptions,
): Attempt {
  const scope = newScope(pipeline, instances, layout, fullTarget, options);
  if (scope.diagnostics.length > 0) return fail(scope.diagnostics);
  const states: Record<string, State> = {};
  const result = emitResult(scope, states, [...scope.byKey.keys()]);
  const first = emitInline(scope, layout.root, result.name, states);
  const whole = rootDefinition(scope, states, first, result);
  if (scope.diagnostics.length > 0) return fail(scope.diagnostics);
  const n = instances.length;
  const forced = options.partSteps !== undefined && n > options.partSteps;
  if (forced) return compileSplit(pipeline, instances, layout, fullTarget, options, options.partSteps!);
  // Sized before it is ordered and rendered: a pipeline over the quotas is only measured as one machine.
  const sized = estimate(whole);
  const over = checkLimits(pipeline, sized);
  if (options.enforceLimits === false) return ok(compiled(scope, instances, machine(whole, sized), []));
  if (over.length === 0) return withinPayload(scope, instances, machine(whole, sized), [], []);
  if (options.split === false) return fail(over);
  return compileSplit(pipeline, instances, layout, fullTarget, options, options.partSteps ?? firstBudget(sized, n));
}

/** Steps per part to try first: what 85 % of each quota holds at the whole's bytes and events per step. */
function firstBudget(whole: Estimates, n: number): number {
  const share = (limit: number, used: number) => Math.floor((n * limit * 0.85) / Math.max(used, 1));
  return Math.max(
    1,
    Math.min(
      n - 1,
      share(LIMITS.definitionBytes, whole.definitionBytes),
      share(LIMITS.historyEvents, whole.maxHistoryEvents),
    ),
  );
}

/**
 * The pipeline as a root and parts (split.ts), each within the quotas: the part budget (steps per
 * part) starts at `budget` and shrinks until every machine fits.
 */
function compileSplit(
  pipeline: Pipeline,
  instances: StepInstance[],
  layout: DagLayout,
  target: CompileTarget,
  options: CompileOptions,
  first: number,
): Attempt {
  let budget = first;
  // Steps the root may run itself (foldSmallParts): as many as a part to start with.
  let room = budget;
  for (;;) {
    const scope = newScope(pipeline, instances, layout, target, options);
    const plan = foldSmallParts(planParts(layout.root, budget), Math.max(1, Math.floor(budget / 8)), room);
    const blocks = partsOf(plan);
    const bodies = blocks.map((block, i) => emitPartBody(scope, partId(pipeline.id, i + 1), i + 1, block));
    const calls = new Map(blocks.map((block, i) => [block, bodies[i]!] as const));
    const inline = new Set(inlineSteps(plan));
    const checked = [...[...scope.byKey.keys()].filter((k) => inline.has(k)), ...bodies.map((b) => summaryKey(b.n))];
    const states: Record<string, State> = {};
    const result = emitResult(scope, states, checked);
    const root = machine(rootDefinition(scope, states, emitPlan(scope, plan, result.name, calls, states), result));
    if (scope.diagnostics.length > 0) return fail(scope.diagnostics);
    // a part returns the records of its steps that the root reads (for itself or to pass to a later part)
    // from its rendering: the root is up to 1 MB, and machine() has just serialised it
    const rootReads = recordReads(root.json);
    const parts = bodies.map((b) =>
      finishPart(
        scope,
        b,
        b.own.filter((k) => rootReads.has(k)),
      ),
    );
    const rootOver = checkLimits(pipeline, root.estimates);
    const over = [...rootOver, ...parts.flatMap((p) => checkLimits(pipeline, p.estimates))];
    if (over.length === 0) return withinPayload(scope, instances, root, parts, [...inline]);
    // A root over the quotas runs fewer steps itself first; parts over them get a smaller budget.
    if (rootOver.length > 0 && room > 0) room = Math.floor(room / 2);
    else if (budget === 1) return fail(over);
    else budget = Math.max(1, Math.floor(budget * 0.75));
  }
}

/** The steps the root runs itself (the inline blocks of `plan`). */
function inlineSteps(plan: PartPlan): string[] {
  if (plan.kind === 'inline') return stepKeys(plan.block);
  if (plan.kind === 'part') return [];
  return (plan.kind === 'seq' ? plan.items : plan.branches).flatMap(inlineSteps);
}

interface Machine {
  definition: StateMachine;
  json: string;
  estimates: Estimates;
}

/** The run context Pass, then `first`: the root machine, its states in no particular order; a redrive enters the graph at `first` too. */
function rootDefinition(scope: Scope, states: Record<string, State>, first: string, result: RunResult): StateMachine {
  const start = scope.names.claim('run context');
  states[start] = runContextState(scope.pipeline, pullPrelude(scope), first);
  if (result.reenter) result.reenter.Next = first;
  return { Comment: `serverless-ci pipeline ${scope.pipeline.id}`, StartAt: start, States: states };
}

/** `definition` in execution order, rendered and measured (`sized`: its estimates, when known). */
function machine(unordered: StateMachine, sized?: Estimates): Machine {
  const definition = inExecutionOrder(unordered);
  const json = renderAsl(definition, 0);
  return { definition, json, estimates: sized ?? estimate(definition, json) };
}

/**
 * The compiled pipeline; or, when a run of it could go over the payload quota (payload.ts), the
 * smaller output limit at which it would not, else why it does not fit.
 */
function withinPayload(
  scope: Scope,
  instances: StepInstance[],
  root: Machine,
  parts: CompiledPart[],
  inline: string[],
): Attempt {
  const keys = [...callees(instances).map((c) => c.key), ...parts.map((p) => p.id)];
  const shape: MachineShape =
    parts.length === 0 ? { kind: 'whole' } : { kind: 'split', inline, parts, summaries: parts.length };
  const bound = (outputLimit: number) => payloadBound(scope, keys, shape, pullPrelude(scope), outputLimit);
  const at = bound(scope.outputLimit);
  if (checkPayload(scope, at, scope.outputLimit).length === 0)
    return ok({ ...compiled(scope, instances, root, parts), payload: at });
  const fits = fittingOutputLimit(bound);
  if (fits !== undefined && fits < scope.outputLimit) return { outputLimit: fits };
  return fail(checkPayload(scope, bound(MIN_OUTPUT_LIMIT_BYTES), MIN_OUTPUT_LIMIT_BYTES));
}

function compiled(scope: Scope, instances: StepInstance[], root: Machine, parts: CompiledPart[]): CompiledPipeline {
  return {
    pipelineId: scope.pipeline.id,
    definition: root.definition,
    json: root.json,
    hash: createHash('sha256').update(root.json).digest('hex'),
    steps: [...scope.byKey.values()].map(({ inst, key, needKeys, order }) => ({
      key,
      name: inst.name,
      kind: inst.step.kind,
      needs: needKeys,
      order,
      ...(inst.step.kind === 'pipeline' ? { calls: inst.step.pipeline } : {}),
      ...(Object.keys(inst.matrix).length > 0 ? { group: inst.step.name } : {}),
      ...(inst.step.kind === 'run' ? { compute: inst.step.compute } : {}),
    })),
    callees: callees(instances),
    parts,
    estimates: root.estimates,
  };
}

function newScope(
  pipeline: Pipeline,
  instances: StepInstance[],
  layout: DagLayout,
  target: CompileTarget,
  options: CompileOptions,
): Scope {
  const keyOf = new Map(instances.map((i) => [i.name, i.key]));
  const byKey = new Map<string, InstanceInfo>();
  const diagnostics: Diagnostic[] = [];
  instances.forEach((inst, order) => {
    const needKeys = inst.needs.flatMap((n) => {
      const k = keyOf.get(n);
      if (k === undefined)
        diagnostics.push({
          code: 'unknown-need',
          message: `unknown need '${n}'`,
          path: ['steps', inst.step.name, 'needs'],
          span: inst.step.span,
        });
      return k === undefined ? [] : [k];
    });
    byKey.set(inst.key, { inst, key: inst.key, needKeys, order });
  });
  const signals = new Map<string, string[]>();
  for (const inst of instances) {
    for (const need of layout.gates.get(inst.key) ?? []) {
      const list = signals.get(need);
      if (list) list.push(inst.key);
      else signals.set(need, [inst.key]);
    }
  }
  return {
    pipeline,
    target,
    names: new StateNames(),
    byKey,
    gates: layout.gates,
    signals,
    runBound: runBound(instances),
    callees: options.callees ?? new Map(),
    visible: new Visibility(layout.root, layout.gates),
    outputLimit: options.outputLimit ?? OUTPUT_LIMIT_BYTES,
    diagnostics,
  };
}

/** Upper bound of a run (every step one after another, every retry used): a gate's timeout. */
function runBound(instances: StepInstance[]): number {
  const total = instances.reduce(
    (s, i) => s + i.step.timeout * (1 + (i.step.kind === 'run' ? i.step.retry.max : 0)) + 120,
    0,
  );
  return Math.min(total, 31_536_000);
}

function callees(instances: StepInstance[]): Array<{ key: string; pipeline: string }> {
  const ids = [...new Set(instances.flatMap((i) => (i.step.kind === 'pipeline' ? [i.step.pipeline] : [])))].sort();
  return ids.map((pipeline) => ({ key: calleeKey(pipeline), pipeline }));
}

/** The run's result Choice and, when the run can fail, the redrive's last Pass (its Next: the graph's first state). */
interface RunResult {
  name: string;
  reenter?: PassState;
}

/**
 * The run fails when any record of `checked` is `failed` (a step without `allow_failure`, or the
 * summary of a part, split.ts), else it succeeds. `run failed` is a
 * Choice without a Default: on the first attempt no rule matches and the execution fails there
 * (`States.NoChoiceMatched`), so it is the state a Step Functions redrive runs again, with the same
 * input (every step's record in `$.steps`) and a higher `$$.Execution.RedriveCount`; then it goes
 * to `run redrive`, which keeps those records at `$.ctx.prev` (what carried steps copy back, step.ts),
 * sets `$.ctx.attempt` and empties `$.steps`, and enters the graph again from its first state. (A
 * part of a split pipeline keeps its own steps' records in the run store and reads them back itself.)
 */
function emitResult(scope: Scope, states: Record<string, State>, checked: string[]): RunResult {
  const failed = scope.names.claim('run failed');
  const redrive = scope.names.claim('run redrive');
  const redriveContext = scope.names.claim('run redrive context');
  const succeeded = scope.names.claim('run succeeded');
  const choice = scope.names.claim('run result');
  const anyFailed = failedRule(scope, checked);
  states[succeeded] = { Type: 'Succeed' };
  if (!anyFailed) return { name: succeeded };
  states[failed] = {
    Type: 'Choice',
    Choices: [{ Variable: '$$.Execution.RedriveCount', NumericGreaterThanPath: `${CONTEXT}.attempt`, Next: redrive }],
  };
  states[redrive] = {
    Type: 'Pass',
    Parameters: { 'attempt.$': '$$.Execution.RedriveCount', 'prev.$': '$.steps' },
    ResultPath: '$.redrive',
    Next: redriveContext,
  };
  const reenter: PassState = {
    Type: 'Pass',
    Parameters: { 'run.$': '$.run', 'ctx.$': `States.JsonMerge(${CONTEXT}, $.redrive, false)`, steps: {} },
    Next: '', // the graph's first state (rootMachine)
  };
  states[redriveContext] = reenter;
  states[choice] = {
    Type: 'Choice',
    Choices: [{ ...anyFailed, Next: failed } as ChoiceRule & { Next: string }],
    Default: succeeded,
  };
  return { name: choice, reenter };
}

function checkLimits(pipeline: Pipeline, e: Estimates): Diagnostic[] {
  const span = { file: pipeline.file, line: 1, col: 1 };
  const out: Diagnostic[] = [];
  if (e.definitionBytes > LIMITS.definitionBytes) {
    out.push({
      code: 'too-large',
      message: `the compiled state machine is ${e.definitionBytes} bytes, over Step Functions' limit of ${LIMITS.definitionBytes}: split the pipeline (a pipeline: step can call another)`,
      path: ['steps'],
      span,
    });
  }
  if (e.maxHistoryEvents > LIMITS.historyEvents) {
    out.push({
      code: 'too-many-events',
      message: `a run could write up to ${e.maxHistoryEvents} history events, over Step Functions' limit of ${LIMITS.historyEvents}: split the pipeline or lower retries`,
      path: ['steps'],
      span,
    });
  }
  return out;
}

/** Parse + plan + compile one pipeline file; every diagnostic of the first failing stage. */
export function compileSource(file: string, text: string, target?: Partial<CompileTarget>): Result<CompiledPipeline> {
  const parsed = parsePipeline(file, text);
  if (!parsed.ok) return parsed;
  const planned = planSteps(parsed.value);
  if (!planned.ok) return planned;
  return compilePipeline(parsed.value, planned.value, target);
}
