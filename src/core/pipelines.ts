/**
 * The seam between the core and the pure pipeline toolkit (statemachines/): validate a commit's
 * files, pick the pipelines a trigger starts, type their inputs, compile them with their callees.
 */
import { formatDiagnostic, sortDiagnostics, type Diagnostic } from '../../statemachines/diagnostics.ts';
import type { Pipeline, RunStatus } from '../../statemachines/pipeline/model.ts';
import { pipelineIdFromPath, validateRepo } from '../../statemachines/pipeline/validate.ts';
import { matchesTrigger, resolveInputs, type TriggerEvent } from '../../statemachines/pipeline/triggers.ts';
import { planSteps } from '../../statemachines/pipeline/plan.ts';
import { compilePipeline } from '../../statemachines/compiler/compile.ts';
import type { CompileTarget } from '../../statemachines/compiler/scope.ts';
import type { InputValues, RunFacts } from './run-facts.ts';

export type { TriggerEvent };

/** What a trigger's matcher needs beyond the run's facts. */
export interface TriggerExtras {
  /** pull_request activity type. */
  action?: string;
  /** Undefined = unknown (path filters then match). */
  changedFiles?: string[];
  /** For `on.pipeline`: the upstream run that ended. */
  upstream?: { pipeline: string; status: RunStatus };
  /** For a scheduled run: the cron that fired. */
  cron?: string;
  /** For a push: the head commit's message (`[skip ci]`). */
  headCommitMessage?: string;
}

/** The matcher's view of a trigger. */
export function triggerEventOf(facts: RunFacts, extras: TriggerExtras): TriggerEvent {
  const files = extras.changedFiles ? { changedFiles: extras.changedFiles } : {};
  switch (facts.event) {
    case 'push':
      return { event: 'push', branch: facts.branch, tag: facts.tag, ...files, ...(extras.headCommitMessage ? { headCommitMessage: extras.headCommitMessage } : {}) };
    case 'pull_request':
      return { event: 'pull_request', action: extras.action ?? '', baseBranch: facts.pr.base, fork: facts.pr.fork, ...files };
    case 'schedule':
      return { event: 'schedule', cron: extras.cron ?? '' };
    case 'manual':
      return { event: 'manual' };
    case 'pipeline':
      return { event: 'pipeline', upstream: extras.upstream?.pipeline ?? '', status: extras.upstream?.status ?? 'succeeded' };
  }
}

type InputsResult = { ok: true; value: InputValues } | { ok: false; message: string };

export interface MatchedPipeline {
  pipeline: Pipeline;
  /** Types raw inputs against the pipeline's declaration (defaults applied). */
  inputs: (raw: Record<string, unknown>) => InputsResult;
}

export type Loaded = { ok: true; all: Pipeline[]; matched: MatchedPipeline[] } | { ok: false; diagnostics: Diagnostic[] };

/**
 * Most pushes leave the pipeline files unchanged, so a warm Lambda keeps the last few validated
 * sets by content (the parse is pure, so the cached result is the result).
 */
const validated = new Map<string, ReturnType<typeof validateRepo>>();
const VALIDATED_KEPT = 16;

function validateCached(files: Array<{ path: string; text: string }>): ReturnType<typeof validateRepo> {
  const key = JSON.stringify(files.map((f) => [f.path, f.text]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
  const hit = validated.get(key);
  if (hit) return hit;
  const result = validateRepo(files);
  if (validated.size >= VALIDATED_KEPT) validated.delete(validated.keys().next().value as string);
  validated.set(key, result);
  return result;
}

/** Every pipeline of the commit, or undefined when any file has a problem. */
export function validPipelines(files: Array<{ path: string; text: string }>): Pipeline[] | undefined {
  const { pipelines, diagnostics } = validateCached(files);
  return diagnostics.length > 0 ? undefined : pipelines;
}

/** Validates every pipeline file; on any problem nothing matches (a broken commit runs nothing). */
export function loadPipelines(files: Array<{ path: string; text: string }>, trigger: TriggerEvent): Loaded {
  const { pipelines, diagnostics } = validateCached(files);
  if (diagnostics.length > 0) return { ok: false, diagnostics };
  const typed = trigger.event === 'manual' ? typedInputs : (p: Pipeline) => typedInputs(withOptionalInputs(p), {});
  const matched = pipelines.filter((p) => matchesTrigger(p, trigger)).map((pipeline) => ({ pipeline, inputs: (raw: Record<string, unknown>) => typed(pipeline, raw) }));
  return { ok: true, all: pipelines, matched };
}

/**
 * Inputs belong to manual runs; any other event gets each declared input's default (or its
 * type's empty value), never a refusal for a `required` input nobody could have given.
 */
function withOptionalInputs(pipeline: Pipeline): Pipeline {
  const manual = pipeline.triggers.manual;
  if (!manual) return pipeline;
  const inputs = Object.fromEntries(Object.entries(manual.inputs).map(([name, spec]) => [name, { ...spec, required: false }]));
  return { ...pipeline, triggers: { ...pipeline.triggers, manual: { inputs } } };
}

function typedInputs(pipeline: Pipeline, raw: Record<string, unknown>): InputsResult {
  const result = resolveInputs(pipeline, raw);
  return result.ok ? { ok: true, value: result.value } : { ok: false, message: result.diagnostics.map((d) => formatDiagnostic(d, pipeline.file)).join('; ') };
}

/** The first problem of each broken file, with the pipeline id its commit status is named after. */
export function firstProblemByFile(diagnostics: Diagnostic[]): Array<{ file: string; pipeline: string; message: string }> {
  const byFile = new Map<string, string>();
  for (const d of sortDiagnostics(diagnostics)) {
    const file = d.span?.file ?? '.sci';
    if (!byFile.has(file)) byFile.set(file, formatDiagnostic(d, file));
  }
  return [...byFile].map(([file, message]) => ({ file, pipeline: pipelineIdFromPath(file), message }));
}

/** One compiled pipeline, with the `pipeline:` steps that call others. */
export interface CompiledUnit {
  pipelineId: string;
  json: string;
  hash: string;
  steps: Array<{ key: string; name: string; kind: 'run' | 'approval' | 'pipeline'; order: number }>;
  /** Each `pipeline:` step instance and the pipeline it calls. */
  calls: Array<{ stepKey: string; pipelineId: string }>;
}

export interface CompiledRun extends CompiledUnit {
  /** Every pipeline this one calls, directly or not, each compiled; `key` as in `run.callees`. */
  callees: Array<{ key: string; pipelineId: string; json: string; hash: string }>;
  /** The root and every callee, by pipeline id (to record the runs of `pipeline:` steps). */
  units: Map<string, CompiledUnit>;
}

/** Compiled definitions of the cached pipeline objects, per target (same object, same output). */
const compiledCache = new WeakMap<Pipeline, Map<string, ReturnType<typeof compileUncached>>>();

function compileOne(pipeline: Pipeline, target: CompileTarget) {
  const key = JSON.stringify(target);
  const perTarget = compiledCache.get(pipeline) ?? new Map<string, ReturnType<typeof compileUncached>>();
  compiledCache.set(pipeline, perTarget);
  const hit = perTarget.get(key);
  if (hit) return hit;
  const compiled = compileUncached(pipeline, target);
  perTarget.set(key, compiled);
  return compiled;
}

function compileUncached(pipeline: Pipeline, target: CompileTarget) {
  const instances = planSteps(pipeline);
  if (!instances.ok) throw new Error(`${pipeline.file}: ${instances.diagnostics.map((d) => formatDiagnostic(d)).join('; ')}`);
  const compiled = compilePipeline(pipeline, instances.value, target);
  // validateRepo has already checked what the compiler checks; a failure here is our bug.
  if (!compiled.ok) throw new Error(`${pipeline.file}: ${compiled.diagnostics.map((d) => formatDiagnostic(d)).join('; ')}`);
  const calls = instances.value.flatMap((i) => (i.step.kind === 'pipeline' ? [{ stepKey: i.key, pipelineId: i.step.pipeline }] : []));
  const unit: CompiledUnit = { pipelineId: pipeline.id, json: compiled.value.json, hash: compiled.value.hash, steps: compiled.value.steps, calls };
  return { unit, callees: compiled.value.callees };
}

/** Compiles `pipeline` and, transitively, the pipelines its `pipeline:` steps call. */
export function compileWithCallees(all: Pipeline[], pipeline: Pipeline, target: CompileTarget): CompiledRun {
  const byId = new Map(all.map((p) => [p.id, p]));
  const root = compileOne(pipeline, target);
  const units = new Map([[pipeline.id, root.unit]]);
  const callees: CompiledRun['callees'] = [];
  const queue = [...root.callees];
  while (queue.length > 0) {
    const callee = queue.shift()!;
    if (callees.some((c) => c.key === callee.key)) continue;
    const called = byId.get(callee.pipeline);
    if (!called) throw new Error(`${pipeline.file}: calls unknown pipeline ${callee.pipeline}`);
    const compiled = compileOne(called, target);
    callees.push({ key: callee.key, pipelineId: called.id, json: compiled.unit.json, hash: compiled.unit.hash });
    if (!units.has(called.id)) queue.push(...compiled.callees);
    units.set(called.id, compiled.unit);
  }
  return { ...root.unit, callees, units };
}
