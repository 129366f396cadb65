/**
 * The environment of a local build: what a fresh CodeBuild container would have (CODEBUILD_*,
 * a private HOME) plus the step's variables, with SECRETS_MANAGER / PARAMETER_STORE references
 * resolved locally from `SCI_SECRET_<NAME>` or a file under `$SCI_HOME/secrets/`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SANDBOX_PATH } from './isolation.ts';
import type { EnvVar } from './params.ts';
import type { Workspace } from './workspace.ts';

/** A secret a step references that is set nowhere locally. */
export class MissingSecretError extends Error {
  override name = 'MissingSecretError';
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
  } catch {
    return undefined;
  }
}

/**
 * `SCI_SECRET_<NAME>` first, then `secrets/<reference>` (e.g. `secrets/ci/npm-token`), then
 * `secrets/<NAME>`. A Secrets Manager JSON-key suffix (`id:key`) is not supported locally.
 */
export async function resolveSecret(v: EnvVar, secretsDir: string, hostEnv: NodeJS.ProcessEnv): Promise<string> {
  const fromEnv = hostEnv[`SCI_SECRET_${v.Name}`];
  if (fromEnv !== undefined) return fromEnv;
  const ref = v.Value.replace(/^\/+/, '');
  for (const candidate of [join(secretsDir, ref), join(secretsDir, v.Name)]) {
    if (!candidate.startsWith(`${secretsDir}/`)) continue;
    const value = await readIfExists(candidate);
    if (value !== undefined) return value;
  }
  const store = v.Type === 'PARAMETER_STORE' ? 'ssm' : 'secretsmanager';
  throw new MissingSecretError(
    `secret ${v.Name} (${store}:${v.Value}) is not set locally: export SCI_SECRET_${v.Name} or write it to ${join(secretsDir, ref)}`,
  );
}

export interface BuildEnvironment {
  env: NodeJS.ProcessEnv;
  /** Resolved secret values, to mask in the log. */
  secrets: string[];
}

/**
 * Host variables a trusted process step gets, to find the user's tools; the environment is otherwise
 * built from scratch (never the server's: no SCI_SECRET_*, no webhook secret, no tokens). TMPDIR is
 * the workspace's own, not the host's.
 */
const PASSED_THROUGH = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'TERM', 'NODE_OPTIONS'];

/** An untrusted step's base: nothing from the host at all. */
const UNTRUSTED_BASE: NodeJS.ProcessEnv = { PATH: SANDBOX_PATH, LANG: 'C.UTF-8' };

export async function buildEnvironment(opts: {
  vars: EnvVar[];
  /** The workspace as the step sees it (container paths in container mode). */
  workspace: Workspace;
  /** Whether the host's PATH and locale pass in and TMPDIR is the workspace's (process mode); an image brings its own. */
  hostVariables: boolean;
  buildId: string;
  sha: string;
  sourceVersion: string;
  /** Put first on PATH: the local `aws` of the pull phase. */
  binDir: string;
  secretsDir: string;
  hostEnv: NodeJS.ProcessEnv;
  /** A fork's pull request: no host variables, and secrets are empty (as GitHub Actions does for forks). */
  untrusted?: boolean;
}): Promise<BuildEnvironment> {
  // untrusted in process mode: nothing from the host at all; an image (container mode) brings its own base
  const env: NodeJS.ProcessEnv = opts.untrusted && opts.hostVariables ? { ...UNTRUSTED_BASE } : {};
  if (opts.hostVariables && !opts.untrusted) {
    for (const name of PASSED_THROUGH) if (opts.hostEnv[name] !== undefined) env[name] = opts.hostEnv[name];
    // an untrusted step's sandbox has a /tmp of its own (isolation.ts)
    env.TMPDIR = opts.workspace.tmp;
  }
  Object.assign(env, {
    HOME: opts.workspace.home,
    // the workspace may sit inside the user's repository (default state home): git in a step
    // must not discover that repository and its uncommitted changes
    GIT_CEILING_DIRECTORIES: opts.workspace.root,
    CI: 'true',
    CODEBUILD_BUILD_ID: opts.buildId,
    CODEBUILD_SRC_DIR: opts.workspace.src,
    CODEBUILD_RESOLVED_SOURCE_VERSION: opts.sha,
    CODEBUILD_SOURCE_VERSION: opts.sourceVersion,
  });
  // only a process step has the host PATH copied in above; an image's own PATH is not known from outside
  env.PATH = `${opts.binDir}:${env.PATH ?? SANDBOX_PATH}`;
  const secrets: string[] = [];
  for (const v of opts.vars) {
    if ((v.Type ?? 'PLAINTEXT') === 'PLAINTEXT') {
      env[v.Name] = v.Value;
      continue;
    }
    if (opts.untrusted) {
      env[v.Name] = '';
      continue;
    }
    const value = await resolveSecret(v, opts.secretsDir, opts.hostEnv);
    env[v.Name] = value;
    secrets.push(value);
  }
  return { env, secrets };
}
