/**
 * One pipeline file → a validated Pipeline, or every problem in it at once, each at its
 * `file:line:col`. Stages: YAML (syntax) → zod schema (shape) → model (defaults,
 * expressions) → checks (needs, contexts, plan). A broken section does not hide the
 * problems of the sections that are fine.
 */
import { fail, ok, sortDiagnostics, type Diagnostic, type Result } from '../diagnostics.ts';
import type { z } from 'zod';
import type { Pipeline } from './model.ts';
import { pipelineSchema, stepSchema, type PipelineFile } from './schema.ts';
import { friendlyError, issueDiagnostics } from './issues.ts';
import { buildPipeline } from './build.ts';
import { checkPipeline } from './checks.ts';
import { loadYaml, type YamlSource } from './yaml-source.ts';
import { withSuggestionBudget } from './suggest.ts';

/** `.sci/deploy/prod.yml` → `deploy/prod`. */
export function pipelineIdFromPath(path: string): string {
  return path
    .replace(/\\/g, '/')
    .replace(/^(?:\.\/)?\.sci\//, '')
    .replace(/\.ya?ml$/i, '');
}

/**
 * Parses and validates one pipeline file. Never throws: an unexpected internal error
 * becomes a diagnostic too, because a garbage file must not take down a webhook.
 */
export function parsePipeline(file: string, text: string): Result<Pipeline> {
  const { pipeline, diagnostics } = analysePipeline(file, text);
  return diagnostics.length > 0 || !pipeline ? fail(diagnostics) : ok(pipeline);
}

/**
 * The diagnostics of a file together with as much of its model as could be built (the parts
 * that are fine), so repository-wide checks can also report on a file with problems.
 */
export function analysePipeline(
  file: string,
  text: string,
): { pipeline: Pipeline | undefined; diagnostics: Diagnostic[] } {
  try {
    return withSuggestionBudget(() => analyseUnguarded(file, text));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      pipeline: undefined,
      diagnostics: [
        {
          code: 'internal',
          message: `internal error while reading this file: ${message}`,
          path: [],
          span: { file, line: 1, col: 1 },
        },
      ],
    };
  }
}

function analyseUnguarded(file: string, text: string): { pipeline: Pipeline | undefined; diagnostics: Diagnostic[] } {
  const loaded = loadYaml(file, text);
  if (!loaded.ok) return { pipeline: undefined, diagnostics: sortDiagnostics(loaded.diagnostics) };
  const source = loaded.value;
  const checked = pipelineSchema.safeParse(source.data, { error: friendlyError });
  const diagnostics: Diagnostic[] = checked.success ? [] : issueDiagnostics(source, checked.error.issues);
  const usable = checked.success ? { file: checked.data, complete: true } : salvage(source);
  if (usable.file === undefined) return { pipeline: undefined, diagnostics: sortDiagnostics(diagnostics) };
  const built = buildPipeline(source, pipelineIdFromPath(file), usable.file);
  diagnostics.push(...built.diagnostics);
  const stepsData = (source.data as { steps?: unknown }).steps;
  diagnostics.push(
    ...checkPipeline(source, built.pipeline, {
      stepNames: isRecord(stepsData) ? Object.keys(stepsData) : undefined,
      inputsKnown: usable.complete || pipelineSchema.shape.on.safeParse((source.data as { on?: unknown }).on).success,
      allStepsBuilt: isRecord(stepsData) && built.pipeline.steps.length === Object.keys(stepsData).length,
    }),
  );
  return { pipeline: built.pipeline, diagnostics: sortDiagnostics(dedupe(diagnostics)) };
}

/**
 * When the file fails the schema, keep what passes on its own (the top-level sections, and
 * each step minus its broken keys), so the later checks still report their problems in
 * the same run.
 */
function salvage(source: YamlSource): { file: Partial<PipelineFile> | undefined; complete: false } {
  if (!isRecord(source.data)) return { file: undefined, complete: false };
  const { steps, ...sections } = source.data;
  const file = (salvageObject(pipelineSchema.omit({ steps: true }), sections) ?? {}) as Partial<PipelineFile>;
  file.steps = Object.fromEntries(
    Object.entries(isRecord(steps) ? steps : {}).flatMap(([name, step]) => {
      const usable = salvageObject(stepSchema, step, ['run', 'approval', 'pipeline', 'rollout']);
      return usable ? [[name, usable]] : [];
    }),
  );
  return { file, complete: false };
}

/** The object without the keys zod complained about, if that passes (and kept every `vital` key). */
function salvageObject<T>(schema: z.ZodType<T>, value: unknown, vital: string[] = []): T | undefined {
  const first = schema.safeParse(value);
  if (first.success || !isRecord(value)) return first.data;
  const broken = new Set(
    first.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys' ? i.keys : i.path.length > 0 ? [String(i.path[0])] : ['*'],
    ),
  );
  if (broken.has('*') || vital.some((k) => broken.has(k))) return undefined;
  return schema.safeParse(Object.fromEntries(Object.entries(value).filter(([k]) => !broken.has(k)))).data;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The same problem found by two stages (or twice in one template) is reported once. */
function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const id = `${d.span?.line}:${d.span?.col}:${d.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
