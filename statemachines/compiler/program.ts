/**
 * A program: the pipelines one invocation may execute. The roots and, transitively, every
 * pipeline their `pipeline:` steps call, each planned and compiled once with the callees
 * known, so every child input carries the inputs its callee declares.
 */
import { fail, ok, type Diagnostic, type Result } from '../diagnostics.ts';
import type { Pipeline } from '../pipeline/model.ts';
import { planSteps } from '../pipeline/plan.ts';
import { compilePipeline, type CompiledPipeline } from './compile.ts';
import type { CompileTarget } from './scope.ts';

/**
 * Plans and compiles `roots` and every pipeline they call, directly or not, keyed by pipeline
 * id (roots first, then callees breadth first). `all` are the repository's pipelines, among
 * which callees are found. Every plan or compile problem of every pipeline, and every call to
 * a pipeline not in `all`, comes back as a diagnostic; nothing throws.
 */
export function compileProgram(
  all: Pipeline[],
  roots: Pipeline[],
  target?: Partial<CompileTarget>,
): Result<Map<string, CompiledPipeline>> {
  const byId = new Map(all.map((p) => [p.id, p]));
  for (const root of roots) if (!byId.has(root.id)) byId.set(root.id, root);
  const program = new Map<string, CompiledPipeline>();
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const pipeline = queue.shift()!;
    if (seen.has(pipeline.id)) continue;
    seen.add(pipeline.id);
    diagnostics.push(...unknownCallees(pipeline, byId));
    const planned = planSteps(pipeline);
    const compiled = planned.ok ? compilePipeline(pipeline, planned.value, target, { callees: byId }) : planned;
    if (!compiled.ok) {
      diagnostics.push(...compiled.diagnostics);
      continue;
    }
    program.set(pipeline.id, compiled.value);
    for (const callee of compiled.value.callees) {
      const called = byId.get(callee.pipeline);
      if (called) queue.push(called);
    }
  }
  return diagnostics.length > 0 ? fail(diagnostics) : ok(program);
}

/** A `pipeline:` step whose pipeline is not among `byId`, at the step's position. */
function unknownCallees(pipeline: Pipeline, byId: ReadonlyMap<string, Pipeline>): Diagnostic[] {
  return pipeline.steps.flatMap((step) =>
    step.kind === 'pipeline' && !byId.has(step.pipeline)
      ? [
          {
            code: 'unknown-pipeline',
            message: `step '${step.name}' calls unknown pipeline '${step.pipeline}'`,
            path: ['steps', step.name, 'pipeline'],
            span: step.span,
          },
        ]
      : [],
  );
}
