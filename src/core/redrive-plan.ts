/**
 * What a redrive runs: the very definition the run was bound to, compiled again from the
 * pipeline files at its commit, with the steps that succeeded carried (the engine does not run
 * them again and keeps their records) and the others run again.
 */
import { compileProgram } from '../../statemachines/compiler/program.ts';
import type { CompiledPipeline } from '../../statemachines/compiler/compile.ts';
import type { CompileTarget } from '../../statemachines/compiler/scope.ts';
import { redriveSplit } from './control.ts';
import { problemsOf, validPipelines } from './pipelines.ts';
import type { PipelineSource, RunWithSteps } from './ports.ts';
import { conflict, invalid, ok, type Result } from './result.ts';

export interface PreparedRedrive {
  /** The root and every pipeline it calls, by id. */
  program: Map<string, CompiledPipeline>;
  root: CompiledPipeline;
  /** Steps that run again (failed, skipped, cancelled). */
  again: string[];
  /** Steps that succeeded: not run again, their records stand. */
  carried: string[];
}

/**
 * Compiles the run's pipeline at its commit. Like Step Functions, a redrive runs the definition
 * the run was bound to: when the files compile to another one now (another sci version), it is
 * refused (a conflict), and a new run is the way on. A `pipeline:` step whose child run exists
 * and must run again is refused too (redrive the child first is not automated yet).
 */
export async function prepareRedrive(
  source: PipelineSource,
  found: RunWithSteps,
  target: Partial<CompileTarget>,
  childExists: (runId: string) => Promise<boolean>,
): Promise<Result<PreparedRedrive>> {
  const { run } = found;
  const split = redriveSplit(found);
  if (!split.ok) return split;
  const all = validPipelines(await source.readPipelineFiles(run.sha));
  const pipeline = all?.find((p) => p.id === run.pipeline);
  if (!all || !pipeline)
    return conflict('not-redrivable', `the pipeline ${run.pipeline} is missing or invalid at ${run.sha.slice(0, 12)}`);
  const program = compileProgram(all, [pipeline], target);
  if (!program.ok) return invalid(problemsOf(program.diagnostics));
  const root = program.value.get(pipeline.id)!;
  if (run.definitionHash && root.hash !== run.definitionHash) {
    return conflict(
      'not-redrivable',
      `run ${run.id} is bound to a definition that ${pipeline.file} no longer compiles to (another sci version, or a re-release): start a new run`,
    );
  }
  for (const step of found.steps.filter((s) => s.kind === 'pipeline' && split.value.again.includes(s.key))) {
    if (await childExists(`${run.id}.${step.key}`))
      return conflict(
        'not-redrivable',
        `step ${step.name} calls another pipeline, whose run ${run.id}.${step.key} would have to be redriven first: start a new run`,
      );
  }
  return ok({ program: program.value, root, ...split.value });
}
