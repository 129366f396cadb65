/**
 * The shared body of `sci approve` / `sci reject`: record the decision on the waiting step in
 * the store, from any process; the engine that waits on the approval polls for it.
 */
import { userInfo } from 'node:os';
import { withSession } from '../../local/session.ts';
import { parseCommandArgs } from './args.ts';
import { CliUsageError } from './errors.ts';
import { findStep } from './output/run-view.ts';

export async function decide(verb: 'approve' | 'reject', argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { repo: { type: 'string' } });
  const [runId, stepName, ...extra] = positionals;
  if (!runId || !stepName || extra.length > 0) throw new CliUsageError(`usage: sci ${verb} RUN STEP`);
  return withSession(
    values.repo,
    async ({ store }) => {
      const found = await store.getRun(runId);
      const step = found && findStep(found.steps, stepName);
      if (!found || !step) {
        process.stderr.write(`sci ${verb}: ${found ? `run ${runId} has no step '${stepName}'` : `no run ${runId}`}\n`);
        return 1;
      }
      const decision = verb === 'approve' ? 'approved' : 'rejected';
      const by = process.env.SCI_ACTOR ?? userInfo().username;
      try {
        await store.recordApprovalDecision(runId, step.key, decision, by);
      } catch (error) {
        // the store says why in words (not waiting, already decided by someone)
        process.stderr.write(`sci ${verb}: ${error instanceof Error ? error.message : String(error)}\n`);
        return 1;
      }
      process.stdout.write(`${step.name}: ${decision}\n`);
      return 0;
    },
    { create: false },
  );
}
