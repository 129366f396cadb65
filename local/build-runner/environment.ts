/**
 * The environment of a local build: what a fresh CodeBuild container would have (CODEBUILD_*,
 * a private HOME) plus the step's variables, with SECRETS_MANAGER / PARAMETER_STORE references
 * resolved locally from `SCI_SECRET_<NAME>` or a file under `$SCI_HOME/secrets/`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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
 * An image's own PATH is not known from outside; this is the one the common base images
 * (Debian, Alpine, Amazon Linux, busybox) set, so the step's `sh` and tools are found.
 */
const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Host variables a local process needs to find its tools; everything else stays outside. */
const PASSED_THROUGH = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'TERM', 'TMPDIR', 'NODE_OPTIONS'];

export async function buildEnvironment(opts: {
  vars: EnvVar[];
  /** The workspace as the step sees it (container paths in container mode). */
  workspace: Workspace;
  /** Whether the host's PATH, locale and TMPDIR pass in (process mode); an image brings its own. */
  hostVariables: boolean;
  buildId: string;
  sha: string;
  sourceVersion: string;
  /** Put first on PATH: the local `aws` of the pull phase. */
  binDir: string;
  secretsDir: string;
  hostEnv: NodeJS.ProcessEnv;
}): Promise<BuildEnvironment> {
  const env: NodeJS.ProcessEnv = {};
  if (opts.hostVariables) for (const name of PASSED_THROUGH) if (opts.hostEnv[name] !== undefined) env[name] = opts.hostEnv[name];
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
  // only a process step has the host PATH copied in above
  env.PATH = `${opts.binDir}:${env.PATH ?? IMAGE_PATH}`;
  const secrets: string[] = [];
  for (const v of opts.vars) {
    if ((v.Type ?? 'PLAINTEXT') === 'PLAINTEXT') {
      env[v.Name] = v.Value;
      continue;
    }
    const value = await resolveSecret(v, opts.secretsDir, opts.hostEnv);
    env[v.Name] = value;
    secrets.push(value);
  }
  return { env, secrets };
}
