/**
 * The pipelines a local invocation may execute: the selected ones and, transitively, every
 * pipeline their `pipeline:` steps call, each planned and compiled once with the local target.
 */
import { formatDiagnostic, type Diagnostic } from '../statemachines/diagnostics.ts';
import { compilePipeline, type CompiledPipeline } from '../statemachines/compiler/compile.ts';
import type { Pipeline } from '../statemachines/pipeline/model.ts';
import { planSteps } from '../statemachines/pipeline/plan.ts';

/** The local store's table and bucket names (the compiler's defaults, as `sci compile` prints). */
export type LocalTarget = { tableName: string };

/**
 * A pipeline that validates but cannot be compiled (e.g. its definition would exceed Step
 * Functions' size limit): a user's problem, with positions, not an internal error.
 */
export class CompileError extends Error {
  override name = 'CompileError';
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => formatDiagnostic(d)).join('; '));
  }
}

function compileOne(pipeline: Pipeline, target: LocalTarget): CompiledPipeline {
  const planned = planSteps(pipeline);
  const compiled = planned.ok ? compilePipeline(pipeline, planned.value, target) : planned;
  if (!compiled.ok) throw new CompileError(compiled.diagnostics);
  return compiled.value;
}

/** Compiles `roots` and their callees; keyed by pipeline id. Throws `CompileError`. */
export function compileProgram(all: Pipeline[], roots: Pipeline[], target: LocalTarget): Map<string, CompiledPipeline> {
  const byId = new Map(all.map((p) => [p.id, p]));
  const program = new Map<string, CompiledPipeline>();
  const queue = [...roots];
  while (queue.length > 0) {
    const pipeline = queue.shift() as Pipeline;
    if (program.has(pipeline.id)) continue;
    const compiled = compileOne(pipeline, target);
    program.set(pipeline.id, compiled);
    for (const callee of compiled.callees) {
      const called = byId.get(callee.pipeline);
      if (!called) throw new Error(`${pipeline.file}: calls unknown pipeline ${callee.pipeline}`);
      queue.push(called);
    }
  }
  return program;
}
