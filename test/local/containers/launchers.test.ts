/** Which launcher a step gets, engine detection against the real binaries, container names. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processLauncher } from '../../../local/build-runner/launcher.ts';
import { containerName } from '../../../local/containers/container-launcher.ts';
import { ContainerEngine, parseContainerMode } from '../../../local/containers/engine.ts';
import { isCuratedImage, Launchers } from '../../../local/containers/launchers.ts';

test('SCI_CONTAINER: docker, podman, none, unset/auto; anything else is refused', () => {
  assert.deepEqual(
    [undefined, '', 'auto', 'Docker', 'podman', 'none', 'lxc'].map((v) => parseContainerMode(v)),
    ['auto', 'auto', 'auto', 'docker', 'podman', 'none', undefined],
  );
});

test('a container name is tied to the run, the step and the attempt, in the characters engines accept', () => {
  assert.equal(containerName('01JD9', 'test_node_18', 'ab12cd34'), 'sci-01JD9-test_node_18-ab12cd34');
  assert.match(containerName('r', 'a b/c (x=1)', 'id'), /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/);
});

test('CodeBuild curated images (the default image) that no engine holds run as local processes, said once', async () => {
  const notices: string[] = [];
  const launchers = new Launchers('auto', { PATH: '/nonexistent' }, (t) => notices.push(t));
  assert.ok(isCuratedImage('aws/codebuild/standard:7.0'));
  assert.ok(!isCuratedImage('public.ecr.aws/docker/library/node:22'));
  for (const image of [
    'aws/codebuild/standard:7.0',
    'aws/codebuild/standard:7.0',
    'aws/codebuild/amazonlinux-x86_64-standard:5.0',
  ]) {
    assert.deepEqual(await launchers.forImage(image), { launcher: processLauncher });
  }
  assert.equal(notices.length, 2);
  assert.match(notices[0] ?? '', /aws\/codebuild\/standard:7.0 is a CodeBuild curated image/);
});

test('with containers off every step is a local process, said once', async () => {
  const notices: string[] = [];
  const launchers = new Launchers('none', process.env, (t) => notices.push(t));
  assert.deepEqual(await launchers.forImage('node:22'), { launcher: processLauncher });
  assert.deepEqual(await launchers.forImage('node:20'), { launcher: processLauncher });
  assert.deepEqual(notices, [
    'containers are off (--no-containers or SCI_CONTAINER=none): steps run as local processes, not in their images',
  ]);
});

test('an engine is detected by answering, not by its binary: a client without a daemon does not count', async () => {
  // PATH holds no docker/podman at all here; the engine must say why
  const env = { PATH: '/nonexistent' };
  assert.equal(await ContainerEngine.detect('docker', env), 'docker is not installed');
  const launchers = new Launchers('docker', env);
  assert.deepEqual(await launchers.forImage('node:22'), { error: 'SCI_CONTAINER=docker, but docker is not installed' });
  const auto = new Launchers('auto', env, () => undefined);
  assert.deepEqual(await auto.forImage('node:22'), { launcher: processLauncher });
});

test('a docker client whose daemon does not answer is reported with its own message', async () => {
  const env = { ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
  const found = await ContainerEngine.detect('docker', env);
  assert.equal(typeof found, 'string');
  assert.match(String(found), /^docker (is not installed|does not answer: .+)$/);
});
