/** A repository of pipelines for dispatcher tests, and the recording ports around it. */
import type { CommitState, ExecutionStarter, PipelineSource, RepositoryReader } from '../../src/core/ports.ts';

export const CI = `
on:
  push: { branches: [master, main], paths_ignore: ["docs/**"] }
  pull_request: { branches: [master] }
concurrency: { group: "ci-\${{ branch }}", cancel_in_progress: true }
steps:
  lint:
    run: npm run lint
  test:
    needs: [lint]
    matrix: { node: [20, 22] }
    image: "node:\${{ matrix.node }}"
    run: npm test
  publish:
    needs: [test]
    secrets: { NPM_TOKEN: "secretsmanager:sci/npm" }
    run: npm publish
`;

export const DEPLOY = `
on:
  manual:
    inputs:
      target: { type: choice, options: [staging, prod], default: staging }
  pipeline: { name: ci, status: [succeeded] }
steps:
  ship:
    run: ./deploy.sh
`;

export const RELEASE = `
on:
  push: { tags: ["v*"] }
  schedule: [{ cron: "0 3 * * 1-5" }]
steps:
  build:
    run: make
  deploy:
    needs: [build]
    pipeline: { name: deploy, inputs: { target: prod } }
`;

export const REPO_FILES = [
  { path: '.sci/ci.yml', text: CI },
  { path: '.sci/deploy.yml', text: DEPLOY },
  { path: '.sci/release.yaml', text: RELEASE },
];

export function fixedSource(files = REPO_FILES): PipelineSource & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async readPipelineFiles(sha) {
      reads.push(sha);
      return files;
    },
  };
}

export function recordingStatuses() {
  const statuses: Array<{
    repo: string;
    sha: string;
    context: string;
    state: CommitState;
    description: string;
    targetUrl?: string;
  }> = [];
  return {
    statuses,
    async setStatus(
      repo: string,
      sha: string,
      s: { context: string; state: CommitState; description: string; targetUrl?: string },
    ) {
      statuses.push({ repo, sha, ...s });
    },
  };
}

export function fixedRepos(
  files = REPO_FILES,
  changed?: string[],
): RepositoryReader & { sources: ReturnType<typeof fixedSource> } {
  const sources = fixedSource(files);
  return {
    sources,
    source: () => sources,
    resolveBranch: async () => 'b'.repeat(40),
    changedFiles: async () => changed,
  };
}

/** For reporter tests whose runs have no concurrency group: nothing may start or stop. */
export const noExecutions: ExecutionStarter = {
  start: async (request) => {
    throw new Error(`unexpected start of ${request.name}`);
  },
  stop: async (arn) => {
    throw new Error(`unexpected stop of ${arn}`);
  },
};
