/**
 * The `codebuild:startBuild.sync` parameters the compiler emits (docs/architecture.md), as the
 * local build runner reads them, and the buildspec they carry. Step Functions passes the
 * CodeBuild API shape in PascalCase; keys are normalised so `type` and `Type` read the same.
 */
import { parse } from 'yaml';

export interface EnvVar {
  Name: string;
  Value: string;
  /** @default 'PLAINTEXT' */
  Type?: 'PLAINTEXT' | 'SECRETS_MANAGER' | 'PARAMETER_STORE';
}

export interface S3Location {
  Type: string;
  Location?: string;
  Path?: string;
  Name?: string;
  Packaging?: string;
  SourceIdentifier?: string;
}

export interface BuildParams {
  ProjectName?: string;
  SourceVersion: string;
  ImageOverride?: string;
  ComputeTypeOverride?: string;
  TimeoutInMinutesOverride?: number;
  QueuedTimeoutInMinutesOverride?: number;
  BuildspecOverride: string;
  EnvironmentVariablesOverride?: EnvVar[];
  ArtifactsOverride?: S3Location;
  CacheOverride?: S3Location;
  /** `image: { name, credentials }`: the Secrets Manager secret to log in to the image's registry with. */
  RegistryCredentialOverride?: { Credential: string; CredentialProvider?: string };
}

/** The parts of a buildspec (version 0.2) that the runner executes. */
export interface Buildspec {
  phases: Array<{ name: string; commands: string[] }>;
  artifacts?: { files: string[]; baseDirectory?: string };
  cache?: { key?: string; paths: string[] };
  /** `env.exported-variables`: read from the shell when the last phase ends. */
  exportedVariables: string[];
}

const PHASES = ['install', 'pre_build', 'build', 'post_build'] as const;

/** Upper-cases the first letter of every object key, recursively. */
export function normaliseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normaliseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), normaliseKeys(v)]),
  );
}

/**
 * The commit a source version names: `refs/heads/main^{<sha>}` (a ref and a commit, the form the
 * compiler emits) → the sha; anything else (a sha, a branch, a tag) is given to git as it is.
 */
export function commitOf(sourceVersion: string): string {
  return /\^\{([^{}]+)\}$/.exec(sourceVersion)?.[1] ?? sourceVersion;
}

/** Reads the task input; throws on a shape no compiler version produces. */
export function readBuildParams(input: unknown): BuildParams {
  const params = normaliseKeys(input) as Partial<BuildParams>;
  if (typeof params.BuildspecOverride !== 'string') throw new Error('codebuild task without BuildspecOverride');
  if (typeof params.SourceVersion !== 'string') throw new Error('codebuild task without SourceVersion');
  return params as BuildParams;
}

function strings(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** Parses a buildspec YAML string into the phases to run, in CodeBuild's order. */
export function parseBuildspec(text: string): Buildspec {
  const doc = (parse(text) ?? {}) as Record<string, unknown>;
  const phases = (doc.phases ?? {}) as Record<string, { commands?: unknown } | undefined>;
  const spec: Buildspec = {
    phases: PHASES.filter((name) => phases[name]).map((name) => ({ name, commands: strings(phases[name]?.commands) })),
    exportedVariables: strings((doc.env as Record<string, unknown> | undefined)?.['exported-variables']),
  };
  const artifacts = doc.artifacts as Record<string, unknown> | undefined;
  if (artifacts && strings(artifacts.files).length > 0) {
    spec.artifacts = { files: strings(artifacts.files) };
    if (typeof artifacts['base-directory'] === 'string') spec.artifacts.baseDirectory = artifacts['base-directory'];
  }
  const cache = doc.cache as Record<string, unknown> | undefined;
  if (cache && strings(cache.paths).length > 0) {
    spec.cache = { paths: strings(cache.paths) };
    if (typeof cache.key === 'string') spec.cache.key = cache.key;
  }
  return spec;
}
