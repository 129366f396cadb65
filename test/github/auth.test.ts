/** GitHub App auth: a verifiable RS256 JWT, installation tokens fetched once and reused until near expiry. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appJwt, githubClients } from '../../src/github/auth.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const requests: Array<{ path: string; auth: string }> = [];
let server: Server;
let baseUrl: string;

before(async () => {
  server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', auth: String(req.headers.authorization ?? '') });
    const json = (body: unknown, status = 200) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/repos/o/r/installation') return json({ id: 77 });
    if (req.url === '/app/installations/77/access_tokens')
      return json({ token: 'ghs_installation', expires_at: '2026-11-27T06:00:00Z' }, 201);
    if (req.url === '/repos/o/r/git/ref/heads%2Fmain' || req.url === '/repos/o/r/git/ref/heads/main')
      return json({ object: { sha: 'abc' } });
    return json({ message: 'Not Found' }, 404);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((done) => server.close(() => done())));

describe('GitHub App auth', () => {
  test('the JWT is RS256, signed by the App key, issued by the App, valid under 10 minutes', () => {
    const jwt = appJwt(1234, privateKey, 1_800_000_000);
    const [header, body, signature] = jwt.split('.') as [string, string, string];
    assert.deepEqual(JSON.parse(Buffer.from(header, 'base64url').toString()), { alg: 'RS256', typ: 'JWT' });
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as { iat: number; exp: number; iss: string };
    assert.equal(claims.iss, '1234');
    assert.ok(claims.exp - claims.iat <= 600);
    assert.ok(
      createVerify('RSA-SHA256').update(`${header}.${body}`).verify(publicKey, Buffer.from(signature, 'base64url')),
    );
  });

  test('an installation token is fetched with the JWT and then used and reused for the repository', async () => {
    const now = Date.parse('2026-11-27T05:00:00Z');
    const clients = githubClients(
      async () => ({ appId: 1234, privateKey, baseUrl }),
      () => now,
    );
    for (let i = 0; i < 2; i += 1) {
      const octokit = await clients('o/r');
      assert.equal(
        (await octokit.rest.git.getRef({ owner: 'o', repo: 'r', ref: 'heads/main' })).data.object.sha,
        'abc',
      );
    }
    assert.equal(requests.filter((r) => r.path.includes('access_tokens')).length, 1);
    assert.match(requests.find((r) => r.path === '/repos/o/r/installation')!.auth, /^bearer eyJ/i);
    assert.ok(requests.filter((r) => r.path.includes('/git/ref/')).every((r) => /ghs_installation/.test(r.auth)));
  });
});
