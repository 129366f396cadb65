/**
 * Octokit clients authenticated by a personal/fine-grained token or as a GitHub App
 * installation (JWT signed here with node:crypto, installation tokens cached until near expiry).
 */
import { createSign } from 'node:crypto';
import { Octokit } from '@octokit/rest';

/** The JSON stored in the GitHub secret (`GITHUB_SECRET_ARN`). */
export type GitHubCredentials =
  | { token: string; baseUrl?: string }
  | { appId: string | number; privateKey: string; installationId?: number; baseUrl?: string };

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** A 9-minute App JWT (GitHub allows 10; the clock skew margin is on the issue side). */
export function appJwt(appId: string | number, privateKey: string, nowSeconds: number): string {
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const body = base64url(JSON.stringify({ iat: nowSeconds - 60, exp: nowSeconds + 9 * 60, iss: String(appId) }));
  const signature = createSign('RSA-SHA256').update(`${header}.${body}`).sign(privateKey);
  return `${header}.${body}.${base64url(signature)}`;
}

/** Returns `repo → Octokit`, reading the credentials once and caching installation tokens. */
export function githubClients(
  credentials: () => Promise<GitHubCredentials>,
  now = () => Date.now(),
): (repo: string) => Promise<Octokit> {
  const tokens = new Map<string, { octokit: Octokit; expiresAt: number }>();
  return async (repo) => {
    const creds = await credentials();
    const baseUrl = creds.baseUrl ?? 'https://api.github.com';
    if ('token' in creds) return new Octokit({ auth: creds.token, baseUrl });
    const hit = tokens.get(repo);
    if (hit && hit.expiresAt - 5 * 60_000 > now()) return hit.octokit;
    const app = new Octokit({ auth: appJwt(creds.appId, creds.privateKey, Math.floor(now() / 1000)), baseUrl });
    const [owner = '', name = ''] = repo.split('/');
    const installationId =
      creds.installationId ?? (await app.rest.apps.getRepoInstallation({ owner, repo: name })).data.id;
    const token = await app.rest.apps.createInstallationAccessToken({ installation_id: installationId });
    const octokit = new Octokit({ auth: token.data.token, baseUrl });
    tokens.set(repo, { octokit, expiresAt: Date.parse(token.data.expires_at) });
    return octokit;
  };
}
