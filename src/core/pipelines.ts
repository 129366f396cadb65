/**
 * The seam between the core and the pure pipeline toolkit (statemachines/): validate a commit's
 * files, pick the pipelines a trigger starts, type their inputs, compile them with their callees.
 */
import {
  formatDiagnostic,
  ok,
  sortDiagnostics,
  type Diagnostic,
  type Result,
} from '../../statemachines/diagnostics.ts';
import type { Pipeline, RunStatus } from '../../statemachines/pipeline/model.ts';
import { pipelineIdFromPath, validateRepo, type PipelineFile } from '../../statemachines/pipeline/validate.ts';
import { matchesTrigger, resolveInputs, type TriggerEvent } from '../../statemachines/pipeline/triggers.ts';
import { compileProgram } from '../../statemachines/compiler/program.ts';
import type { CompiledPipeline } from '../../statemachines/compiler/compile.ts';
import type { CompileTarget } from '../../statemachines/compiler/scope.ts';
import type { Problem } from './result.ts';
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
      return {
        event: 'push',
        branch: facts.branch,
        tag: facts.tag,
        ...files,
        ...(extras.headCommitMessage ? { headCommitMessage: extras.headCommitMessage } : {}),
      };
    case 'pull_request':
      return {
        event: 'pull_request',
        action: extras.action ?? '',
        baseBranch: facts.pr.base,
        fork: facts.pr.fork,
        ...files,
      };
    case 'schedule':
      return { event: 'schedule', cron: extras.cron ?? '' };
    case 'manual':
      return { event: 'manual' };
    case 'pipeline':
      return {
        event: 'pipeline',
        upstream: extras.upstream?.pipeline ?? '',
        status: extras.upstream?.status ?? 'succeeded',
      };
  }
}

type InputsResult = { ok: true; value: InputValues } | { ok: false; problems: Problem[] };

export interface MatchedPipeline {
  pipeline: Pipeline;
  /** Types raw inputs against the pipeline's declaration (defaults applied). */
  inputs: (raw: Record<string, unknown>) => InputsResult;
}

export type Loaded =
  | { ok: true; all: Pipeline[]; matched: MatchedPipeline[] }
  | { ok: false; diagnostics: Diagnostic[] };

/**
 * Most pushes leave the pipeline files unchanged, so a warm Lambda keeps the last few validated
 * sets by content (the parse is pure, so the cached result is the result).
 */
const validated = new Map<string, ReturnType<typeof validateRepo>>();
const VALIDATED_KEPT = 16;

function validateCached(files: PipelineFile[]): ReturnType<typeof validateRepo> {
  const key = JSON.stringify(
    files.map((f) => [f.path, f.text, f.symlink ?? null]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
  );
  const hit = validated.get(key);
  if (hit) return hit;
  const result = validateRepo(files);
  if (validated.size >= VALIDATED_KEPT) validated.delete(validated.keys().next().value as string);
  validated.set(key, result);
  return result;
}

/** Every pipeline of the commit, or undefined when any file has a problem. */
export function validPipelines(files: PipelineFile[]): Pipeline[] | undefined {
  const { pipelines, diagnostics } = validateCached(files);
  return diagnostics.length > 0 ? undefined : pipelines;
}

/** Validates every pipeline file; on any problem nothing matches (a broken commit runs nothing). */
export function loadPipelines(files: PipelineFile[], trigger: TriggerEvent): Loaded {
  const { pipelines, diagnostics } = validateCached(files);
  if (diagnostics.length > 0) return { ok: false, diagnostics };
  const typed = trigger.event === 'manual' ? typedInputs : (p: Pipeline) => typedInputs(withOptionalInputs(p), {});
  const matched = pipelines
    .filter((p) => matchesTrigger(p, trigger))
    .map((pipeline) => ({ pipeline, inputs: (raw: Record<string, unknown>) => typed(pipeline, raw) }));
  return { ok: true, all: pipelines, matched };
}

/**
 * Inputs belong to manual runs; any other event gets each declared input's default (or its
 * type's empty value), never a refusal for a `required` input nobody could have given.
 */
function withOptionalInputs(pipeline: Pipeline): Pipeline {
  const manual = pipeline.triggers.manual;
  if (!manual) return pipeline;
  const inputs = Object.fromEntries(
    Object.entries(manual.inputs).map(([name, spec]) => [name, { ...spec, required: false }]),
  );
  return { ...pipeline, triggers: { ...pipeline.triggers, manual: { inputs } } };
}

function typedInputs(pipeline: Pipeline, raw: Record<string, unknown>): InputsResult {
  const result = resolveInputs(pipeline, raw);
  if (result.ok) return { ok: true, value: result.value };
  return {
    ok: false,
    problems: result.diagnostics.map((d) => ({
      message: formatDiagnostic(d, pipeline.file),
      at: { input: String(d.path[1] ?? '') },
    })),
  };
}

/** Diagnostics as the core's problems, each at its place in its file when it has one. */
export function problemsOf(diagnostics: Diagnostic[]): Problem[] {
  return sortDiagnostics(diagnostics).map((d) => ({
    message: formatDiagnostic(d),
    ...(d.span ? { at: { file: d.span.file, line: d.span.line, col: d.span.col } } : {}),
  }));
}

/** The first problem of each broken file, with the pipeline id its commit status is named after. */
export function firstProblemByFile(diagnostics: Diagnostic[]): Array<Problem & { file: string; pipeline: string }> {
  const byFile = new Map<string, Diagnostic>();
  for (const d of sortDiagnostics(diagnostics)) {
    const file = d.span?.file ?? '.sci';
    if (!byFile.has(file)) byFile.set(file, d);
  }
  return [...byFile].map(([file, d]) => ({
    file,
    pipeline: pipelineIdFromPath(file),
    message: formatDiagnostic(d, file),
    at: d.span ? { file, line: d.span.line, col: d.span.col } : { file },
  }));
}

/** A pipeline compiled for one run, with every pipeline it calls, directly or not. */
export interface CompiledRun {
  root: CompiledPipeline;
  /** Each callee's definition (and each part of a split pipeline), keyed as in the execution input's `run.callees`. */
  callees: Array<{ key: string; pipelineId: string; json: string; hash: string }>;
  /** The root and every callee, by pipeline id (to record the runs of `pipeline:` steps). */
  program: Map<string, CompiledPipeline>;
}

/**
 * Compiles `pipeline` and, transitively, the pipelines its `pipeline:` steps call. What only the
 * compiler knows (Step Functions' size and history limits) comes back as diagnostics: a user's
 * problem to report on the commit, like any invalid file.
 */
export function compileWithCallees(all: Pipeline[], pipeline: Pipeline, target: CompileTarget): Result<CompiledRun> {
  const compiled = compileProgram(all, [pipeline], target);
  if (!compiled.ok) return compiled;
  const program = compiled.value;
  const keys = new Map([...program.values()].flatMap((p) => p.callees.map((c) => [c.pipeline, c.key] as const)));
  const callees = [...program.values()]
    .filter((p) => p.pipelineId !== pipeline.id)
    .map((p) => ({ key: keys.get(p.pipelineId) as string, pipelineId: p.pipelineId, json: p.json, hash: p.hash }));
  // The parts of a pipeline split over Step Functions' quotas deploy like callees, keyed by their id.
  for (const p of program.values())
    callees.push(...p.parts.map((part) => ({ key: part.id, pipelineId: part.id, json: part.json, hash: part.hash })));
  return ok({ root: program.get(pipeline.id) as CompiledPipeline, callees, program });
}
