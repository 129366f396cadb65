import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifactDir, cachePathDir, outputArtifactDir, restoreArtifact, restoreCache, saveArtifacts, saveCache } from '../../../local/build-runner/storage.ts';

test('S3 locations map to directories under the state home, never outside it', () => {
  assert.equal(artifactDir('/h/artifacts', 'sci-artifacts/runs/R1/build.zip'), '/h/artifacts/runs/R1/build');
  assert.equal(artifactDir('/h/artifacts', 'bucket/../../etc/passwd.zip'), '/h/artifacts/etc/passwd');
  assert.equal(outputArtifactDir('/h/artifacts', { Type: 'S3', Location: 'b', Path: 'runs/R1', Name: 'k.zip' }), '/h/artifacts/runs/R1/k');
  assert.equal(cachePathDir('~/.npm/**/*', '/ws/src', '/ws/home'), '/ws/home/.npm');
  assert.equal(cachePathDir('node_modules/**/*', '/ws/src', '/ws/home'), '/ws/src/node_modules');
  assert.equal(cachePathDir('/opt/tool', '/ws/src', '/ws/home'), '/opt/tool');
});

test('artifacts: only matching files are kept, and restored into a secondary source', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sci-storage-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const src = join(dir, 'src');
  mkdirSync(join(src, 'dist/sub'), { recursive: true });
  writeFileSync(join(src, 'dist/a.txt'), 'a');
  writeFileSync(join(src, 'dist/sub/b.txt'), 'b');
  writeFileSync(join(src, 'other.txt'), 'no');
  assert.equal(await saveArtifacts(src, ['dist/**'], join(dir, 'kept')), 2);
  await restoreArtifact(join(dir, 'kept'), join(dir, 'restored'));
  assert.equal(readFileSync(join(dir, 'restored/dist/sub/b.txt'), 'utf8'), 'b');
  assert.ok(!existsSync(join(dir, 'restored/other.txt')));
  await restoreArtifact(join(dir, 'never-kept'), join(dir, 'empty'));
  assert.ok(existsSync(join(dir, 'empty')));
});

test('cache: saved under its key, restored on the next build, missing key restores nothing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sci-cache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'a/.npm'), { recursive: true });
  writeFileSync(join(dir, 'a/.npm/pkg'), 'cached');
  await saveCache(join(dir, 'cache'), 'npm-main', [join(dir, 'a/.npm')]);
  assert.equal(await restoreCache(join(dir, 'cache'), 'npm-main', [join(dir, 'b/.npm')]), 1);
  assert.equal(readFileSync(join(dir, 'b/.npm/pkg'), 'utf8'), 'cached');
  assert.equal(await restoreCache(join(dir, 'cache'), 'npm-dev', [join(dir, 'c/.npm')]), 0);
});
