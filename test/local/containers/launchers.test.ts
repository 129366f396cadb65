/** Which launcher a step gets, engine detection against the real binaries, container names. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processLauncher } from '../../../local/build-runner/launcher.ts';
import { containerName } from '../../../local/containers/container-launcher.ts';
import {
  ContainerEngine,
  engineMessage,
  localPodmanRootless,
  parseContainerMode,
} from '../../../local/containers/engine.ts';
import { isCuratedImage, Launchers } from '../../../local/containers/launchers.ts';
import { testPodman } from './test-podman.ts';

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

test('podman is rootless by its own rule: any user but root, in its user namespace, root without SYS_ADMIN', () => {
  const caps = (eff: string, bnd: string) =>
    `Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t${eff}\nCapBnd:\t${bnd}\n`;
  const all = '000001ffffffffff';
  const noSysAdmin = '000001ffffdfffff'; // bit 21 cleared
  assert.equal(localPodmanRootless({}, 1000, caps(all, all)), true);
  assert.equal(localPodmanRootless({ _CONTAINERS_USERNS_CONFIGURED: 'done' }, 0, caps(all, all)), true);
  assert.equal(localPodmanRootless({}, 0, caps(all, all)), false);
  // root whose podman may lack CAP_SYS_ADMIN, or a status without masks: podman is asked
  assert.equal(localPodmanRootless({}, 0, caps(noSysAdmin, all)), undefined);
  assert.equal(localPodmanRootless({}, 0, caps(all, noSysAdmin)), undefined);
  assert.equal(localPodmanRootless({}, 0, ''), undefined);
  assert.equal(localPodmanRootless({}, undefined, caps(all, all)), undefined);
});

const podman = await testPodman();

test('podman is detected as podman info sees it, and a podman that cannot start is reported with its own message', {
  skip: typeof podman === 'string' && podman,
}, async () => {
  const pm = podman as Exclude<typeof podman, string>;
  const env = { ...process.env, ...pm.env };
  const info = (e: NodeJS.ProcessEnv) =>
    spawnSync('podman', ['info', '--format', '{{.Host.Security.Rootless}}'], { env: e, encoding: 'utf8' });
  // the judge: podman's own host report (≈ 0.7 s of CPU, what the detection no longer spends per `sci run`)
  const found = await ContainerEngine.detect('podman', env);
  assert.ok(typeof found !== 'string', String(found));
  assert.equal(found.rootless, info(env).stdout.trim() === 'true');
  // storage that cannot be made (its root under a file): podman info fails, and so does the detection, with
  // podman's message; `auto` then runs steps as processes
  const dir = mkdtempSync(join(tmpdir(), 'sci-podman-broken-'));
  try {
    writeFileSync(join(dir, 'file'), '');
    const storage = join(dir, 'storage.conf');
    const conf = readFileSync(pm.env.CONTAINERS_STORAGE_CONF as string, 'utf8');
    writeFileSync(storage, conf.replace(/^graphroot = .*$/m, `graphroot = "${join(dir, 'file', 'graph')}"`));
    const broken = { ...env, CONTAINERS_STORAGE_CONF: storage };
    const judged = info(broken);
    assert.notEqual(judged.status, 0);
    const message = engineMessage({
      code: judged.status ?? 1,
      timedOut: false,
      stdout: judged.stdout,
      stderr: judged.stderr,
    });
    assert.match(message, /not a directory/);
    assert.equal(await ContainerEngine.detect('podman', broken), `podman does not answer: ${message}`);
    assert.deepEqual(await new Launchers('podman', broken).forImage('node:22'), {
      error: `SCI_CONTAINER=podman, but podman does not answer: ${message}`,
    });
    const auto = new Launchers('auto', { ...broken, DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, () => undefined);
    assert.deepEqual(await auto.forImage('node:22'), { launcher: processLauncher });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
