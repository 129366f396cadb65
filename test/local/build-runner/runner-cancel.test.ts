/**
 * A cancel that arrives while a build is still being set up (checkout, the `running` write) is
 * not lost: the build stops before its first command (engine.test.ts once ran 394 s on this).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBuild } from '../../../local/build-runner/runner.ts';
import { runnerPaths } from '../../../local/session.ts';

test('a cancel during the build set-up stops the build before any command runs', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sci-runner-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const repo = join(root, 'repo');
  mkdirSync(repo);
  writeFileSync(join(repo, 'README'), 'x\n');
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'x');
  const marker = join(root, 'ran');
  const cancel = new AbortController();
  const started = Date.now();
  const outcome = await runBuild(
    { SourceVersion: git('rev-parse', 'HEAD'), BuildspecOverride: `version: 0.2\nphases:\n  build:\n    commands:\n      - touch '${marker}'\n      - sleep 30\n` },
    {
      repoDir: repo, paths: runnerPaths(join(root, 'home')), runId: 'R', stepKey: 'build', timeoutMs: 60_000, signal: cancel.signal, hostEnv: process.env,
      // the cancel lands while the workspace is being made and `running` is being written
      onStart: async () => cancel.abort(),
      onLine: () => undefined,
    },
  );
  assert.deepEqual([outcome.status, outcome.reason], ['STOPPED', 'cancelled']);
  assert.equal(existsSync(marker), false, 'no command ran');
  assert.ok(Date.now() - started < 25_000, 'the sleep never started');
});
