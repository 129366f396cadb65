/**
 * `image: { name, credentials }` locally: the login read from the state home's secrets, and a real
 * Podman pulling from a loopback registry that refuses anonymous pulls (it records what the engine
 * sent, so the test sees the login reach the registry, and only for the pull that was given it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerEngine } from '../../../local/containers/engine.ts';
import { authFile, registryLogin, registryOf } from '../../../local/containers/registry-login.ts';
import { testPodman } from './test-podman.ts';

test('the registry of an image reference: its host, else Docker Hub', () => {
  assert.deepEqual(
    ['node:22', 'library/node:22', 'ghcr.io/o/t:1', 'localhost/x', '127.0.0.1:5000/t/x:1', 'team/tool'].map(registryOf),
    ['docker.io', 'docker.io', 'ghcr.io', 'localhost', '127.0.0.1:5000', 'docker.io'],
  );
});

test('the login comes from $SCI_HOME/secrets/<name> as the JSON CodeBuild reads; none stored means the engine’s own', async () => {
  const secrets = mkdtempSync(join(tmpdir(), 'sci-secrets-'));
  try {
    mkdirSync(join(secrets, 'sci'));
    writeFileSync(join(secrets, 'sci/hub'), '{"username": "bot", "password": "s3cret"}\n');
    writeFileSync(join(secrets, 'sci/plain'), 's3cret');
    assert.deepEqual(await registryLogin('sci/hub', secrets), { username: 'bot', password: 's3cret' });
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sci/hub';
    assert.deepEqual(await registryLogin(arn, secrets), { username: 'bot', password: 's3cret' });
    assert.equal(await registryLogin('sci/absent', secrets), undefined);
    assert.equal(await registryLogin(undefined, secrets), undefined);
    assert.equal(await registryLogin('../etc/passwd', secrets), undefined);
    const bad = await registryLogin('sci/plain', secrets);
    assert.ok(bad && 'error' in bad && !bad.error.includes('s3cret'), JSON.stringify(bad));
    const docker = await authFile('node:22', { username: 'bot', password: 's3cret' }, 'docker');
    assert.deepEqual(JSON.parse(readFileSync(docker.file, 'utf8')), {
      auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('bot:s3cret').toString('base64') } },
    });
    assert.equal(statSync(docker.file).mode & 0o777, 0o600);
    await docker.remove();
    const podman = await authFile('node:22', { username: 'bot', password: 's3cret' }, 'podman');
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(podman.file, 'utf8')).auths), ['docker.io']);
    await podman.remove();
  } finally {
    rmSync(secrets, { recursive: true, force: true });
  }
});

const podman = await testPodman();

test('podman pulls with the login given, and anonymously without one', {
  skip: typeof podman === 'string' && podman,
}, async () => {
  const seen: Array<string | undefined> = [];
  // a registry that answers every request with 401 without Basic auth (Docker Hub's private repositories do so)
  const server = createServer((req, res) => {
    if (req.url !== '/v2/' || req.headers.authorization) seen.push(req.headers.authorization);
    if (!req.headers.authorization) {
      res.writeHead(401, {
        'WWW-Authenticate': 'Basic realm="test"',
        'Docker-Distribution-API-Version': 'registry/2.0',
      });
      res.end();
      return;
    }
    res.writeHead(req.url === '/v2/' ? 200 : 404, { 'Content-Type': 'application/json' });
    res.end(req.url === '/v2/' ? '{}' : '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'sci-registries-'));
  try {
    const conf = join(dir, 'registries.conf');
    writeFileSync(conf, `[[registry]]\nlocation = "${host}"\ninsecure = true\n`);
    const pm = podman as Exclude<typeof podman, string>;
    const env = {
      ...process.env,
      ...pm.env,
      CONTAINERS_REGISTRIES_CONF: conf,
      REGISTRY_AUTH_FILE: join(dir, 'none.json'),
    };
    const engine = new ContainerEngine('podman', false, env);
    const withLogin = await engine.ensureImage(`${host}/team/tool:1`, { username: 'bot', password: 's3cret' });
    assert.match(withLogin ?? '', /cannot be pulled with podman: .*manifest unknown/);
    assert.ok(
      seen.length > 0 && seen.every((a) => a === `Basic ${Buffer.from('bot:s3cret').toString('base64')}`),
      JSON.stringify(seen),
    );
    seen.length = 0;
    const anonymous = await engine.ensureImage(`${host}/team/other:1`);
    assert.match(anonymous ?? '', /cannot be pulled with podman/);
    assert.deepEqual(seen.filter(Boolean), []);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
