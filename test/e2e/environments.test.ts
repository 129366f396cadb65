/**
 * Environments through the real CLI: a success records a release (`sci envs`, `--history`,
 * `--json`), `branches` skips other branches with the reason, and two runs reaching the same
 * environment hold it one after the other.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReleaseView } from '../../src/store/environments.ts';
import { git } from '../git-repo.ts';
import { ms, runsOf, sandbox, sci, sharedRun, step, stepLog, type RunJson } from './helpers.ts';

const deploy = (name: string) => `
steps:
  deploy:
    environment: shared
    run: [echo ${name} in, sleep 1, echo ${name} out]
`;

const box = sandbox({
  '.sci/delivery.yml': `
steps:
  build:
    outputs: [version]
    run: echo "version=1.0.7-$SCI_BRANCH" >> "$SCI_OUTPUT"
  deploy-staging:
    needs: [build]
    environment: staging
    run: echo "staging gets \${{ steps.build.outputs.version }}"
  deploy-prod:
    needs: [deploy-staging]
    environment: { name: production, url: "https://example.com", branches: [main] }
    run: echo "production gets \${{ steps.build.outputs.version }}"
`,
  '.sci/a.yml': deploy('a'),
  '.sci/b.yml': deploy('b'),
});
test.after(() => box.cleanup());

/**
 * The first runs of `delivery`, `a` and `b` come from one `sci run`, the first test asserting `delivery`'s and the
 * third `a`'s and `b`'s (they share nothing but the state home; `a` and `b` hold `shared`, `delivery` never).
 */
const runOf = sharedRun(box, 'delivery', 'a', 'b');

test('a success records a release per environment; sci envs shows the current ones', async () => {
  const { run, code, stderr } = await runOf('delivery');
  assert.equal(code, 0, stderr);
  const envs = JSON.parse(sci(box, 'envs', '--json').stdout) as ReleaseView[];
  const sha = git(box.repo, 'rev-parse', 'HEAD');
  // `shared`: the release of whichever of `a` and `b` held it last
  const last = [(await runOf('a')).run, (await runOf('b')).run].sort(
    (x, y) => ms(step(x, 'deploy').endedAt) - ms(step(y, 'deploy').endedAt),
  )[1]!;
  assert.deepEqual(
    envs.map((e) => [e.name, e.run, e.pipeline, e.status, e.url ?? '']),
    [
      ['production', run.id, 'delivery', 'succeeded', 'https://example.com'],
      ['shared', last.id, last.pipeline, 'succeeded', ''],
      ['staging', run.id, 'delivery', 'succeeded', ''],
    ],
  );
  assert.match(sha, /^[0-9a-f]{40}$/);
  assert.deepEqual(
    envs.map((e) => e.sha),
    [sha, sha, sha],
  );
  const text = sci(box, 'envs').stdout;
  assert.match(text, /^ENVIRONMENT\s+SHA\s+RUN\s+PIPELINE\s+STATUS\s+AT\s+URL$/m);
  assert.match(text, /^staging\s+[0-9a-f]{12}\s+\S+\s+delivery\s+succeeded/m);
});

test('branches skips other branches with the reason; history is newest first', () => {
  const r = sci(box, 'run', 'delivery', '--branch', 'dev', '--json');
  assert.equal(r.code, 0, r.stderr);
  const [run] = runsOf(r.stdout) as [RunJson];
  assert.equal(step(run, 'deploy-prod').status, 'skipped');
  assert.equal(step(run, 'deploy-prod').reason, 'environment production takes only branches main');
  const history = JSON.parse(sci(box, 'envs', 'staging', '--history', '--json').stdout) as ReleaseView[];
  assert.equal(history.length, 2);
  assert.equal(history[0]!.run, run.id);
  assert.ok(history[0]!.at > history[1]!.at);
  const prod = JSON.parse(sci(box, 'envs', 'production', '--history', '--json').stdout) as ReleaseView[];
  assert.equal(prod.length, 1);
});

test('two runs reaching one environment hold it one after the other', async () => {
  const [a, b] = [step((await runOf('a')).run, 'deploy'), step((await runOf('b')).run, 'deploy')];
  const [first, second] = ms(a.startedAt) <= ms(b.startedAt) ? [a, b] : [b, a];
  assert.ok(ms(second.startedAt) >= ms(first.endedAt), `overlap: ${JSON.stringify([first, second])}`);
});

test('rollback re-releases the previous release; promote re-releases the current one elsewhere, without a rebuild', () => {
  const rolled = sci(box, 'rollback', 'staging', '--json');
  assert.equal(rolled.code, 0, rolled.stderr);
  const [back] = runsOf(rolled.stdout) as [RunJson];
  assert.deepEqual(
    back.steps.map((s) => [s.name, s.status]),
    [['deploy-staging', 'succeeded']],
  );
  assert.match(stepLog(box, back.id, 'deploy_staging'), /staging gets 1\.0\.7-main/);
  const promoted = sci(box, 'promote', 'staging', 'production', '--json');
  assert.equal(promoted.code, 0, promoted.stderr);
  const [up] = runsOf(promoted.stdout) as [RunJson];
  assert.deepEqual(
    up.steps.map((s) => [s.name, s.status]),
    [['deploy-prod', 'succeeded']],
  );
  assert.match(stepLog(box, up.id, 'deploy_prod'), /production gets 1\.0\.7-main/);
  const envs = JSON.parse(sci(box, 'envs', '--json').stdout) as ReleaseView[];
  assert.deepEqual(
    envs.filter((e) => e.name !== 'shared').map((e) => [e.name, e.run]),
    [
      ['production', up.id],
      ['staging', back.id],
    ],
  );
  assert.equal(sci(box, 'rollback', 'nowhere').code, 2);
});
