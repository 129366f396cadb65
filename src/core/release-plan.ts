/**
 * A re-release (`sci promote FROM TO`, `sci rollback ENV`): the pipeline reduced to the steps
 * that release to one environment (with the approval an environment asks for), run at the
 * release's sha with the release's outputs given, not rebuilt.
 */
import type { Pipeline, Step } from '../../statemachines/pipeline/model.ts';
import { notFound, ok, type Result } from './result.ts';

export interface ReleasePlan {
  pipeline: Pipeline;
  /** `run.released` of the execution input. */
  released: Record<string, { outputs: Record<string, string> }>;
}

/**
 * The steps of `preferred` (else of the first pipeline that has some) releasing to `environment`;
 * not found when no pipeline releases there.
 */
export function releasePlan(
  pipelines: Pipeline[],
  preferred: string,
  environment: string,
  outputs: Record<string, Record<string, string>>,
): Result<ReleasePlan> {
  const releasing = (p: Pipeline) => p.steps.filter((s) => s.environment?.name === environment);
  const source = [pipelines.find((p) => p.id === preferred), ...pipelines].find(
    (p) => p !== undefined && releasing(p).length > 0,
  );
  if (!source) return notFound(`no pipeline has a step with environment: ${environment}`);
  const targets = releasing(source);
  const approvals = source.steps.filter(
    (s) => s.kind === 'approval' && targets.some((t) => t.needs.includes(s.name) && t.environment?.approval),
  );
  const kept = new Set([...targets, ...approvals].map((s) => s.name));
  const steps: Step[] = source.steps
    .filter((s) => kept.has(s.name))
    .map((s) => ({ ...s, needs: s.needs.filter((n) => kept.has(n)) }));
  const given = Object.fromEntries(Object.entries(outputs).filter(([name]) => !kept.has(name)));
  return ok({
    pipeline: {
      ...source,
      steps,
      released: Object.fromEntries(Object.entries(given).map(([name, values]) => [name, Object.keys(values).sort()])),
    },
    released: Object.fromEntries(Object.entries(given).map(([name, values]) => [name, { outputs: values }])),
  });
}
