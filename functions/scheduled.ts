/** EventBridge Scheduler target: starts the scheduled pipeline on its branch's head commit. */
import { startBranchRun } from '../src/core/branch-runs.ts';
import { dispatchDeps, repositories } from '../src/aws/wiring.ts';

/** The Input each schedule carries (src/aws/scheduler.ts); `invocation` is Scheduler's execution id. */
interface ScheduledInput {
  repo: string;
  pipeline: string;
  branch: string;
  cron: string;
  invocation: string;
}

export async function handler(event: ScheduledInput) {
  const outcome = await startBranchRun(dispatchDeps(), repositories(), {
    event: 'schedule',
    repo: event.repo,
    repoUrl: `https://github.com/${event.repo}.git`,
    pipeline: event.pipeline,
    branch: event.branch,
    actor: `schedule ${event.cron}`,
    seed: `schedule:${event.invocation}`,
    cron: event.cron,
  });
  console.log(JSON.stringify({ schedule: event, outcome }));
  return outcome;
}
