import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  statSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CachePathError,
  cachePathDir,
  cacheRootOf,
  objectPath,
  outputObjectPath,
  restoreCache,
  saveArtifacts,
  saveCache,
  writeLocalAwsCli,
} from '../../../local/build-runner/storage.ts';

test('S3 objects map to files under the state home, never outside it', () => {
  assert.equal(objectPath('/h/artifacts', 'sci-artifacts/runs/R1/build.zip'), '/h/artifacts/runs/R1/build.zip');
  assert.equal(objectPath('/h/artifacts', 'bucket/../../etc/passwd.zip'), '/h/artifacts/etc/passwd.zip');
  assert.equal(
    outputObjectPath('/h/artifacts', { Type: 'S3', Location: 'b', Path: 'runs/R1', Name: 'k.zip' }),
    '/h/artifacts/runs/R1/k.zip',
  );
  assert.equal(cachePathDir('~/.npm/**/*', '/ws/src', '/ws/home'), '/ws/home/.npm');
  assert.equal(cachePathDir('node_modules/**/*', '/ws/src', '/ws/home'), '/ws/src/node_modules');
  assert.equal(cachePathDir('a/../b/**/*', '/ws/src', '/ws/home'), '/ws/src/b');
  // restoring a cache writes into these paths on the host: nothing outside the workspace
  for (const outside of ['../..', 'a/../../x', '~/../src/x', '~/../../etc']) {
    assert.throws(() => cachePathDir(outside, '/ws/src', '/ws/home'), CachePathError, outside);
  }
  // an absolute path is the container's on CodeBuild, the host's here: not cached locally
  assert.equal(cachePathDir('/etc/**/*', '/ws/src', '/ws/home'), undefined);
});

test('cache keys such as .., . or a/../../x name one directory under the cache, never a path', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sci-cache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'a'), { recursive: true });
  writeFileSync(join(dir, 'a/pkg'), 'cached');
  const keys = ['..', '.', '../../escaped', '/abs', 'a/../../x', 'v1.2', 'v1_2'];
  for (const key of keys) await saveCache(join(dir, 'cache'), key, [join(dir, 'a')]);
  assert.deepEqual(readdirSync(dir).sort(), ['a', 'cache']);
  assert.equal(readdirSync(join(dir, 'cache')).length, keys.length, 'distinct keys, distinct slots');
  for (const key of keys)
    assert.equal(await restoreCache(join(dir, 'cache'), key, [join(dir, `r-${keys.indexOf(key)}`)]), 1, key);
});

test('cache locations of the bucket stay apart: the untrusted namespace is not the trusted cache', () => {
  assert.equal(cacheRootOf('/h/cache', 'sci-artifacts/cache'), '/h/cache');
  assert.equal(cacheRootOf('/h/cache', undefined), '/h/cache');
  assert.equal(cacheRootOf('/h/cache', 'sci-artifacts/untrusted/cache'), '/h/untrusted/cache');
  assert.equal(cacheRootOf('/h/cache', 'sci-artifacts/../../etc'), '/h/etc');
});

test('artifacts: only matching files are kept in a ZIP that unzip restores (modes too); the local aws reads it back', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sci-storage-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const src = join(dir, 'src');
  mkdirSync(join(src, 'dist/sub'), { recursive: true });
  writeFileSync(join(src, 'dist/a.txt'), 'a'.repeat(1000));
  writeFileSync(join(src, 'dist/sub/b.sh'), 'echo b');
  chmodSync(join(src, 'dist/sub/b.sh'), 0o755);
  writeFileSync(join(src, 'other.txt'), 'no');
  const store = join(dir, 'artifacts');
  const object = outputObjectPath(store, { Type: 'S3', Location: 'bucket', Path: 'runs/R1', Name: 'build.zip' });
  assert.deepEqual(await saveArtifacts(src, ['dist/**'], object), { kept: 2, refused: [] });
  await writeLocalAwsCli(join(dir, 'bin'), store);
  const aws = join(dir, 'bin/aws');
  execFileSync(aws, ['s3', 'cp', '--only-show-errors', 's3://bucket/runs/R1/build.zip', join(dir, 'got.zip')]);
  execFileSync('unzip', ['-qo', join(dir, 'got.zip'), '-d', join(dir, 'restored')]);
  assert.equal(readFileSync(join(dir, 'restored/dist/a.txt'), 'utf8'), 'a'.repeat(1000));
  assert.equal(statSync(join(dir, 'restored/dist/sub/b.sh')).mode & 0o777, 0o755);
  assert.ok(!existsSync(join(dir, 'restored/other.txt')));
  // a missing object fails with the AWS CLI's 404 text, which the pull phase reads as "kept nothing"
  assert.throws(
    () => execFileSync(aws, ['s3', 'cp', 's3://bucket/runs/R1/none.zip', join(dir, 'x')], { stdio: 'pipe' }),
    /\(404\)/,
  );
});

test('artifacts and cache keep relative links inside as relative links; links out of the artifacts are refused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sci-storage-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const src = join(dir, 'src');
  mkdirSync(join(src, 'node_modules/tool/bin'), { recursive: true });
  mkdirSync(join(src, 'node_modules/.bin'));
  writeFileSync(join(src, 'node_modules/tool/bin/tool'), '#!/bin/sh\necho tool');
  writeFileSync(join(dir, 'secret'), 'host file');
  symlinkSync('../tool/bin/tool', join(src, 'node_modules/.bin/tool'));
  symlinkSync('tool', join(src, 'node_modules/same-dir'));
  symlinkSync(join(dir, 'secret'), join(src, 'node_modules/.bin/absolute'));
  symlinkSync('../../../secret', join(src, 'node_modules/.bin/escape'));
  const object = join(dir, 'artifacts/build.zip');
  const saved = await saveArtifacts(src, ['node_modules/**'], object);
  assert.deepEqual(saved.refused, [
    `node_modules/.bin/absolute -> ${join(dir, 'secret')}`,
    'node_modules/.bin/escape -> ../../../secret',
  ]);
  assert.equal(saved.kept, 3);
  execFileSync('unzip', ['-qo', object, '-d', join(dir, 'restored')]);
  assert.equal(readlinkSync(join(dir, 'restored/node_modules/.bin/tool')), '../tool/bin/tool');
  assert.equal(readFileSync(join(dir, 'restored/node_modules/.bin/tool'), 'utf8'), '#!/bin/sh\necho tool');
  assert.equal(readlinkSync(join(dir, 'restored/node_modules/same-dir')), 'tool');
  assert.deepEqual(readdirSync(join(dir, 'restored/node_modules/.bin')), ['tool']);
  // the cache copies links as they are (fs.cp would make them absolute, into the saving workspace)
  await saveCache(join(dir, 'cache'), 'k', [join(src, 'node_modules')]);
  rmSync(src, { recursive: true });
  assert.equal(await restoreCache(join(dir, 'cache'), 'k', [join(dir, 'next/node_modules')]), 1);
  assert.equal(readlinkSync(join(dir, 'next/node_modules/.bin/tool')), '../tool/bin/tool');
  assert.equal(readFileSync(join(dir, 'next/node_modules/.bin/tool'), 'utf8'), '#!/bin/sh\necho tool');
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
