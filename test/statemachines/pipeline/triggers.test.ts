/** Trigger matching: GitHub Actions filter semantics, as a table. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePipeline } from '../../../statemachines/pipeline/parse.ts';
import { matchesTrigger, matchesFilters, type TriggerEvent } from '../../../statemachines/pipeline/triggers.ts';
import type { Pipeline } from '../../../statemachines/pipeline/model.ts';

function withOn(on: string): Pipeline {
  const result = parsePipeline('.sci/ci.yml', `${on}\nsteps:\n  a:\n    run: x\n`);
  assert.ok(result.ok, result.ok ? '' : result.diagnostics.map((d) => d.message).join('\n'));
  return result.value;
}

const push = (branch: string, extra: Partial<Extract<TriggerEvent, { event: 'push' }>> = {}): TriggerEvent => ({
  event: 'push',
  branch,
  ...extra,
});
const tag = (name: string): TriggerEvent => ({ event: 'push', tag: name });
const pr = (action: string, baseBranch: string, changedFiles?: string[]): TriggerEvent => ({
  event: 'pull_request',
  action,
  baseBranch,
  ...(changedFiles && { changedFiles }),
});

const cases: Array<[string, string, TriggerEvent, boolean]> = [
  ['no on: any branch push', '', push('feature/x'), true],
  ['no on: any tag push', '', tag('v1'), true],
  ['no on: not a pull request', '', pr('opened', 'main'), false],
  ['branches: exact', 'on: { push: { branches: [main] } }', push('main'), true],
  ['branches: other branch', 'on: { push: { branches: [main] } }', push('dev'), false],
  ['branches: * stops at /', 'on: { push: { branches: ["release/*"] } }', push('release/1.0'), true],
  ['branches: * does not cross /', 'on: { push: { branches: ["release/*"] } }', push('release/1/hotfix'), false],
  ['branches: ** crosses /', 'on: { push: { branches: ["release/**"] } }', push('release/1/hotfix'), true],
  [
    'branches: negation after a match',
    'on: { push: { branches: ["release/**", "!release/**-alpha"] } }',
    push('release/2-alpha'),
    false,
  ],
  [
    'branches: re-included after a negation',
    'on: { push: { branches: ["*", "!dev*", "dev-ok"] } }',
    push('dev-ok'),
    true,
  ],
  ['branches_ignore', 'on: { push: { branches_ignore: ["dependabot/**"] } }', push('dependabot/npm/x'), false],
  ['branches_ignore lets others through', 'on: { push: { branches_ignore: ["dependabot/**"] } }', push('main'), true],
  ['only branches: tags do not trigger', 'on: { push: { branches: [main] } }', tag('v1'), false],
  ['only tags: branches do not trigger', 'on: { push: { tags: ["v*"] } }', push('main'), false],
  ['tags: matching tag', 'on: { push: { tags: ["v*"] } }', tag('v1.2.0'), true],
  ['tags: other tag', 'on: { push: { tags: ["v*"] } }', tag('nightly'), false],
  [
    'paths: a changed file matches',
    'on: { push: { paths: ["src/**"] } }',
    push('main', { changedFiles: ['README.md', 'src/a/b.ts'] }),
    true,
  ],
  [
    'paths: no changed file matches',
    'on: { push: { paths: ["src/**"] } }',
    push('main', { changedFiles: ['README.md'] }),
    false,
  ],
  ['paths: unknown changes match', 'on: { push: { paths: ["src/**"] } }', push('main'), true],
  [
    'paths: dotfiles match **',
    'on: { push: { paths: ["**"] } }',
    push('main', { changedFiles: ['.github/x.yml'] }),
    true,
  ],
  [
    'paths_ignore: everything ignored',
    'on: { push: { paths_ignore: ["docs/**", "*.md"] } }',
    push('main', { changedFiles: ['docs/a.md', 'README.md'] }),
    false,
  ],
  [
    'paths_ignore: one file not ignored',
    'on: { push: { paths_ignore: ["docs/**"] } }',
    push('main', { changedFiles: ['docs/a.md', 'src/x.ts'] }),
    true,
  ],
  ['[skip ci] skips a push', '', push('main', { headCommitMessage: 'fix typo [skip ci]' }), false],
  ['[ci skip] skips a push', '', push('main', { headCommitMessage: 'fix\n\n[CI SKIP]' }), false],
  ['a deleted branch never triggers', '', push('main', { deleted: true }), false],
  ['pull_request: default types', 'on: pull_request', pr('synchronize', 'main'), true],
  ['pull_request: closed is not a default type', 'on: pull_request', pr('closed', 'main'), false],
  ['pull_request: explicit types', 'on: { pull_request: { types: [closed] } }', pr('closed', 'main'), true],
  ['pull_request: base branch filter', 'on: { pull_request: { branches: [main] } }', pr('opened', 'dev'), false],
  [
    'pull_request: base branch glob',
    'on: { pull_request: { branches: ["release/*"] } }',
    pr('opened', 'release/2'),
    true,
  ],
  ['pull_request: paths', 'on: { pull_request: { paths: ["src/**"] } }', pr('opened', 'main', ['docs/x']), false],
  [
    'pull_request: [skip ci] does not apply',
    'on: pull_request',
    { event: 'pull_request', action: 'opened', baseBranch: 'main', fork: true },
    true,
  ],
  ['push only: pull request does not match', 'on: push', pr('opened', 'main'), false],
  [
    'schedule: same cron',
    'on: { schedule: [{ cron: "0 3 * * 1-5" }] }',
    { event: 'schedule', cron: '0 3 * * 1-5' },
    true,
  ],
  [
    'schedule: same cron, other spacing',
    'on: { schedule: [{ cron: " 0  3 * * 1-5" }] }',
    { event: 'schedule', cron: '0 3 *  * 1-5 ' },
    true,
  ],
  [
    'schedule: other cron',
    'on: { schedule: [{ cron: "0 3 * * 1-5" }] }',
    { event: 'schedule', cron: '0 4 * * *' },
    false,
  ],
  [
    'schedule: other pipeline',
    'on: { schedule: [{ cron: "0 3 * * *" }] }',
    { event: 'schedule', cron: '0 3 * * *', pipeline: 'other' },
    false,
  ],
  ['manual: declared', 'on: { manual: }', { event: 'manual' }, true],
  ['manual: this pipeline by id', 'on: manual', { event: 'manual', pipeline: 'ci' }, true],
  ['manual: another pipeline by id', 'on: manual', { event: 'manual', pipeline: 'other' }, false],
  ['manual: not declared', 'on: push', { event: 'manual' }, false],
  [
    'pipeline: upstream succeeded',
    'on: { pipeline: { name: build } }',
    { event: 'pipeline', upstream: 'build', status: 'succeeded' },
    true,
  ],
  [
    'pipeline: upstream failed, default status',
    'on: { pipeline: { name: build } }',
    { event: 'pipeline', upstream: 'build', status: 'failed' },
    false,
  ],
  [
    'pipeline: listed status',
    'on: { pipeline: { name: build, status: [failed] } }',
    { event: 'pipeline', upstream: 'build', status: 'failed' },
    true,
  ],
  [
    'pipeline: other upstream',
    'on: { pipeline: { name: build } }',
    { event: 'pipeline', upstream: 'lint', status: 'succeeded' },
    false,
  ],
];

for (const [name, on, event, expected] of cases) {
  test(`trigger: ${name}`, () => assert.equal(matchesTrigger(withOn(on), event), expected));
}

test('matchesFilters: the last matching pattern decides', () => {
  assert.equal(matchesFilters('a', ['a', '!a']), false);
  assert.equal(matchesFilters('a', ['!a', 'a']), true);
  assert.equal(matchesFilters('a', []), false);
});
