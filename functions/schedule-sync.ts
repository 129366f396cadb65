/** Makes a repository's EventBridge schedules match `on.schedule` in its files at a commit of the default branch. */
import { syncRepoSchedules } from '../src/aws/wiring.ts';

export async function handler(event: { repo: string; sha: string; defaultBranch: string }) {
  const result = await syncRepoSchedules(event.repo, event.sha, event.defaultBranch);
  console.log(JSON.stringify({ repo: event.repo, sha: event.sha, result }));
  return result;
}
