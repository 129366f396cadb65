/**
 * The facts about one run that the trigger decided (who, what commit, which event) and
 * the execution input built from them, per the execution contract in docs/architecture.md.
 */
import type { EventName } from '../../statemachines/pipeline/model.ts';

export interface RunFacts {
  event: EventName;
  repo: string;
  repoUrl: string;
  sha: string;
  ref: string;
  branch: string;
  tag: string;
  actor: string;
  pr: { number: number; base: string; fork: boolean };
  /** A re-release only: the outputs of the steps it does not run (`Pipeline.released`). */
  released?: Record<string, { outputs: Record<string, string> }>;
}

export type InputValues = Record<string, string | number | boolean>;

/** Every field present (no JSONPath ever fails on a missing key). */
export function executionInput(runId: string, pipelineId: string, facts: RunFacts, inputs: InputValues, callees: Record<string, string>) {
  return {
    run: {
      id: runId,
      pipeline: pipelineId,
      repo: facts.repo,
      repoUrl: facts.repoUrl,
      sha: facts.sha,
      ref: facts.ref,
      branch: facts.branch,
      tag: facts.tag,
      event: facts.event,
      actor: facts.actor,
      pr: { number: facts.pr.number, base: facts.pr.base, fork: facts.pr.fork },
      inputs,
      callees,
      ...(facts.released ? { released: facts.released } : {}),
    },
    steps: {},
  };
}

/** Values an expression in a concurrency group may read (a subset: no matrix, no step status). */
export function expressionContext(runId: string, pipelineId: string, facts: RunFacts, inputs: InputValues): Record<string, unknown> {
  return {
    event: facts.event, branch: facts.branch, tag: facts.tag, sha: facts.sha, ref: facts.ref, repo: facts.repo, actor: facts.actor,
    pr: facts.pr, inputs, pipeline: { id: pipelineId }, run: { id: runId },
  };
}
