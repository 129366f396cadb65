import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBuildspec, readBuildParams } from '../../../local/build-runner/params.ts';

test('a buildspec: phases in CodeBuild order, artifacts, cache', () => {
  const spec = parseBuildspec(`
version: 0.2
env: { shell: bash, exported-variables: [SCI_OUT_a] }
phases:
  post_build: { commands: [echo post] }
  build: { commands: [make, make test] }
  install: { commands: echo install }
artifacts: { files: [dist/**], base-directory: out }
cache: { key: "npm-\${SCI_BRANCH}", paths: ["~/.npm/**/*"] }
`);
  assert.deepEqual(spec, {
    phases: [
      { name: 'install', commands: ['echo install'] },
      { name: 'build', commands: ['make', 'make test'] },
      { name: 'post_build', commands: ['echo post'] },
    ],
    artifacts: { files: ['dist/**'], baseDirectory: 'out' },
    cache: { key: 'npm-${SCI_BRANCH}', paths: ['~/.npm/**/*'] },
    exportedVariables: ['SCI_OUT_a'],
  });
});

test('build parameters: camel or Pascal case read the same; a task without a buildspec is refused', () => {
  const params = readBuildParams({
    sourceVersion: 'abc',
    buildspecOverride: 'version: 0.2',
    artifactsOverride: { type: 'NO_ARTIFACTS' },
  });
  assert.equal(params.SourceVersion, 'abc');
  assert.deepEqual(params.ArtifactsOverride, { Type: 'NO_ARTIFACTS' });
  assert.throws(() => readBuildParams({ SourceVersion: 'abc' }), /BuildspecOverride/);
});
