/**
 * `image: { name, credentials }` locally: the registry login a container engine pulls the image
 * with. CodeBuild reads a Secrets Manager secret holding `{ "username", "password" }`
 * (https://docs.aws.amazon.com/codebuild/latest/userguide/sample-private-registry.html); `sci run`
 * reads the same JSON from `$SCI_HOME/secrets/<secret name>`, and without that file pulls with the
 * engine's own login (`docker login` / `podman login`). The login reaches the engine in an auth
 * file of a private temp dir, for that one pull: never on a command line, never in the user's config.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RegistryLogin {
  username: string;
  password: string;
}

/** The secret's name as written (an ARN's `secret:<name>` part), a path under the secrets dir. */
function secretFile(credential: string, secretsDir: string): string | undefined {
  const name = credential.startsWith('arn:') ? (credential.split(':secret:')[1] ?? '') : credential;
  const file = join(secretsDir, name);
  return name && file.startsWith(`${secretsDir}/`) ? file : undefined;
}

/**
 * The login stored locally for `credential`; undefined when none is stored (or no credentials are
 * asked for); `{ error }` for a file that is not `{ "username", "password" }`.
 */
export async function registryLogin(
  credential: string | undefined,
  secretsDir: string,
): Promise<RegistryLogin | { error: string } | undefined> {
  const file = credential === undefined ? undefined : secretFile(credential, secretsDir);
  if (!file) return undefined;
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const { username, password } = JSON.parse(text) as Partial<RegistryLogin>;
    if (typeof username === 'string' && typeof password === 'string') return { username, password };
  } catch {
    // reported below, without the file's content
  }
  return { error: `registry credentials ${file} must be JSON {"username": "…", "password": "…"}, as on AWS` };
}

/** The registry of an image reference: its first part when that names a host, else Docker Hub. */
export function registryOf(image: string): string {
  const first = image.split('/')[0] ?? '';
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')
    ? first
    : 'docker.io';
}

/**
 * Writes an auth file for `image`'s registry (the `auths` format Docker's config.json and
 * containers-auth.json share; Docker names Docker Hub by its legacy index URL) into a private temp
 * dir; `remove` deletes it.
 */
export async function authFile(
  image: string,
  login: RegistryLogin,
  engine: 'docker' | 'podman',
): Promise<{ dir: string; file: string; remove(): Promise<void> }> {
  const registry = registryOf(image);
  const key = engine === 'docker' && registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry;
  const dir = await mkdtemp(join(tmpdir(), 'sci-registry-'));
  const file = join(dir, 'config.json');
  const auth = Buffer.from(`${login.username}:${login.password}`).toString('base64');
  await writeFile(file, JSON.stringify({ auths: { [key]: { auth } } }), { mode: 0o600 });
  return { dir, file, remove: () => rm(dir, { recursive: true, force: true }) };
}
