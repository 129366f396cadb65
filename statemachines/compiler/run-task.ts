/**
 * A `run` instance → the `codebuild:startBuild.sync` Parameters of docs/architecture.md:
 * the buildspec as a YAML string, `SCI_*` variables from the execution input, secrets by
 * reference only, artifacts kept and restored, cache.
 */
import { stringify } from 'yaml';
import type { Json } from '../asl/types.ts';
import type { Compute, RunStep, Template } from '../pipeline/model.ts';
import { ARTIFACTS_VARIABLE, pullCommand, pullFunctions } from './artifact-pull.ts';
import { CONTEXT, CONTEXT_COMMAND, CONTEXT_VARIABLE, PULL_VARIABLE, runVariables } from './run-context.ts';
import { successByBuild, upstreamChain } from './status.ts';
import { aslTemplate, envRefTemplate, shellTemplate, type Compiled, type TemplateScope } from './templates.ts';
import { templateScope, type InstanceInfo, type Scope } from './scope.ts';
import { exportedName, OUTPUT_PRELUDE, outputPostlude } from './outputs.ts';
import { lambdaImageArch } from '../pipeline/lambda-compute.ts';
import { CODEBUILD, COMPUTE, STEP_PROJECT } from '../step-project.ts';
import { SUCCESS_BY_BUILD } from '../lifecycle.ts';

type EnvVar = Record<string, Json>;

/** A plain-text variable (`Type` omitted: PLAINTEXT is CodeBuild's default, and bytes count). */
function plain(name: string, value: string, dynamic = false): EnvVar {
  return dynamic ? { Name: name, 'Value.$': value } : { Name: name, Value: value };
}

/**
 * Whether the run context's text gives the step its SCI_STEP_TIMEOUT (run-context.ts): the pipeline's
 * default timeout, in whole minutes that CodeBuild keeps as they are. The local build runner, which
 * keeps a timeout to the second from SCI_STEP_TIMEOUT, then takes the build's own, the same.
 */
function defaultTimeout(scope: Scope, step: RunStep): boolean {
  return step.timeout === scope.pipeline.defaults.timeout && buildTimeouts(step).buildMinutes === step.timeout / 60;
}

/** Collects a diagnostic for a template that cannot compile; returns its value or undefined. */
function need<T>(scope: Scope, compiled: Compiled<T>, t: Template, path: (string | number)[]): T | undefined {
  if (compiled.ok) return compiled.value;
  scope.diagnostics.push({ code: 'bad-template', message: compiled.message, path, span: t.span });
  return undefined;
}

/**
 * The run-wide variables come in one (`SCI_CONTEXT`, run-context.ts); `SCI_RUN_ID` and
 * `SCI_STEP_KEY` stay variables of their own because the reporter finds a build's step by them
 * in CodeBuild's events (as `SCI_REPORT_SUCCESS`, which lets the build's success event record the step's
 * success), and so do the run-wide variables a cache key names, because CodeBuild expands the key from
 * the build's environment, not from the shell.
 */
function environment(scope: Scope, info: InstanceInfo, step: RunStep, ts: TemplateScope, cacheKey: string): EnvVar[] {
  const vars: EnvVar[] = [plain(CONTEXT_VARIABLE, `${CONTEXT}.env`, true), plain('SCI_RUN_ID', '$.run.id', true)];
  if (pullsArtifacts(scope, info))
    vars.push(plain(PULL_VARIABLE, `${CONTEXT}.pull`, true), plain(ARTIFACTS_VARIABLE, `${CONTEXT}.artifacts`, true));
  for (const [name, value] of runVariables(scope.pipeline))
    if (cacheKey.includes(`\${${name}}`)) vars.push(plain(name, value, true));
  // SCI_STEP defaults to the key in the run context's text (run-context.ts): most steps are named by their key.
  if (info.inst.name !== info.key) vars.push(plain('SCI_STEP', info.inst.name));
  vars.push(plain('SCI_STEP_KEY', info.key));
  if (successByBuild(scope, info)) vars.push(plain(SUCCESS_BY_BUILD, '1'));
  if (!defaultTimeout(scope, step)) vars.push(plain('SCI_STEP_TIMEOUT', String(step.timeout)));
  for (const [axis, value] of Object.entries(info.inst.matrix))
    vars.push(plain(`SCI_MATRIX_${axis.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`, String(value)));
  // `succeeded` is the run context's default (run-context.ts): most steps run only after their needs succeeded.
  const chain = upstreamChain(scope, info, true);
  if (!('literal' in chain)) vars.push(plain('SCI_RUN_STATUS', chain.expr, true));
  else if (chain.literal !== 'succeeded') vars.push(plain('SCI_RUN_STATUS', chain.literal));
  const env = { ...scope.pipeline.env, ...step.env };
  for (const [name, t] of Object.entries(env)) {
    const v = need(scope, aslTemplate('Value', t, ts), t, ['env', name]);
    if (v) vars.push({ Name: name, ...v });
  }
  // Outputs of needed steps the commands refer to: data in variables, never in the script.
  for (const [name, path] of [...(ts.outputVars ?? [])].sort(([a], [b]) => a.localeCompare(b)))
    vars.push(plain(name, path, true));
  for (const [name, ref] of Object.entries(step.secrets)) {
    vars.push({
      Name: name,
      Type: ref.store === 'secretsmanager' ? 'SECRETS_MANAGER' : 'PARAMETER_STORE',
      Value: ref.id,
    });
  }
  return vars;
}

function buildspec(scope: Scope, info: InstanceInfo, step: RunStep, ts: TemplateScope, cacheKey: string): string {
  const producers = artifactProducers(scope, info);
  const commands = step.commands.map(
    (c, i) => need(scope, shellTemplate(c, ts), c, ['steps', step.name, 'run', i]) ?? '',
  );
  const outputs = step.outputs.length > 0;
  const phases: Record<string, { commands: string[] }> = {};
  const build = outputs ? [OUTPUT_PRELUDE, ...commands, outputPostlude(step.outputs, scope.outputLimit)] : commands;
  // The build phase defines the context itself: the local build runner runs a phase per shell.
  if (producers.length > 0) phases.pre_build = { commands: [pullCommand(producers)] };
  phases.build = { commands: [CONTEXT_COMMAND, ...build] };
  const spec: Record<string, unknown> = {
    version: 0.2,
    env: { shell: 'bash', ...(outputs ? { 'exported-variables': step.outputs.map(exportedName) } : {}) },
    phases,
  };
  // enable-symlinks: the ZIP keeps internal links as links (node_modules/.bin/*), as the local runner does
  if (step.artifacts.length > 0) spec.artifacts = { files: step.artifacts, 'enable-symlinks': 'yes' };
  if (step.cache) spec.cache = { key: cacheKey, paths: step.cache.paths };
  return specYaml(spec);
}

/** The YAML of the buildspecs made last, by their JSON (a bounded number, the oldest dropped first). */
const specYamls = new Map<string, string>();
const KEPT_SPECS = 2000;

/**
 * `spec` as YAML. Rendering a buildspec as YAML costs ≈ 50 times its JSON, and the same buildspecs come back: a
 * pipeline over the quotas is emitted whole before it is split (every step twice), and the dispatcher and `sci serve`
 * compile a repository's pipelines again on every push. The same JSON (keys in the same order) gives the same YAML.
 */
function specYaml(spec: Record<string, unknown>): string {
  const json = JSON.stringify(spec);
  const kept = specYamls.get(json);
  if (kept !== undefined) return kept;
  const yaml = stringify(spec, { lineWidth: 0 });
  if (specYamls.size >= KEPT_SPECS) specYamls.delete(specYamls.keys().next().value!);
  specYamls.set(json, yaml);
  return yaml;
}

/** The cache key with event values as `${SCI_*}` (CodeBuild expands them), '' without a cache. */
function cacheKeyText(scope: Scope, step: RunStep, ts: TemplateScope): string {
  if (!step.cache) return '';
  return need(scope, envRefTemplate(step.cache.key, ts), step.cache.key, ['steps', step.name, 'cache', 'key']) ?? '';
}

/** The needs of `info` that keep artifacts (its build pulls them). */
function artifactProducers(scope: Scope, info: InstanceInfo): string[] {
  return info.needKeys.filter((n) => runStep(scope, n)?.artifacts.length);
}

function pullsArtifacts(scope: Scope, info: InstanceInfo): boolean {
  return info.inst.step.kind === 'run' && artifactProducers(scope, info).length > 0;
}

/** The artifact pull's shell functions when some step pulls its needs' artifacts, else ''. */
export function pullPrelude(scope: Scope): string {
  return [...scope.byKey.values()].some((i) => pullsArtifacts(scope, i))
    ? pullFunctions(scope.target.artifactBucket)
    : '';
}

function runStep(scope: Scope, key: string): RunStep | undefined {
  const s = scope.byKey.get(key)?.inst.step;
  return s?.kind === 'run' ? s : undefined;
}

/** How long the state waits beyond CodeBuild's own limits: by then CodeBuild has ended the build. */
const STATE_MARGIN_SECONDS = 300;

export function isLambda(compute: Compute): boolean {
  return compute.startsWith('lambda-');
}

/**
 * The step's `timeout` is build time, enforced by CodeBuild itself (whole minutes, at least 5);
 * queue time is bounded by the project's queued timeout, CodeBuild's maximum (no override). The state's TimeoutSeconds covers both
 * plus a margin, so it never fires while the build runs: a retry never overlaps its build.
 */
export function buildTimeouts(step: RunStep): { buildMinutes?: number; queuedMinutes?: number; stateSeconds: number } {
  if (isLambda(step.compute)) return { stateSeconds: CODEBUILD.lambdaBuildMinutes * 60 + STATE_MARGIN_SECONDS };
  const { min, max } = CODEBUILD.buildMinutes;
  const buildMinutes = Math.min(max, Math.max(min, Math.ceil(step.timeout / 60)));
  const queuedMinutes = CODEBUILD.queuedMinutes;
  return { buildMinutes, queuedMinutes, stateSeconds: (buildMinutes + queuedMinutes) * 60 + STATE_MARGIN_SECONDS };
}

/** Lambda compute has an environment type per architecture; a curated aarch64 image names its own. */
function environmentType(step: RunStep, image: string): string {
  return isLambda(step.compute) && lambdaImageArch(image) === 'aarch64'
    ? 'ARM_LAMBDA_CONTAINER'
    : COMPUTE[step.compute].env;
}

/**
 * The image, compute type and environment type a step differs in from the project (step-project.ts):
 * an absent override runs with the project's setting (bytes count: every build names its own).
 */
function projectOverrides(step: RunStep, image: Record<string, Json>): Record<string, Json> {
  const name = typeof image.ImageOverride === 'string' ? image.ImageOverride : undefined;
  const overrides: Record<string, Json> = name === STEP_PROJECT.image ? {} : { ...image };
  const computeType = COMPUTE[step.compute].type;
  const environment = environmentType(step, name ?? '');
  if (computeType !== STEP_PROJECT.computeType) overrides.ComputeTypeOverride = computeType;
  if (environment !== STEP_PROJECT.environmentType) overrides.EnvironmentTypeOverride = environment;
  return overrides;
}

/** The Parameters of the CodeBuild task of a `run` instance. */
export function buildParameters(scope: Scope, info: InstanceInfo, step: RunStep): Record<string, Json> {
  const ts = templateScope(scope, info, new Map());
  const bucket = scope.target.artifactBucket;
  const image =
    need(scope, aslTemplate('ImageOverride', step.image, ts), step.image, ['steps', step.name, 'image']) ?? {};
  const timeouts = buildTimeouts(step);
  const cacheKey = cacheKeyText(scope, step, ts);
  const params: Record<string, Json> = {
    ProjectName: scope.target.buildProject,
    // The role is the dispatcher's trust decision (run.builds), never the pipeline file's.
    'ServiceRoleOverride.$': '$.run.builds.role',
    SourceTypeOverride: 'GITHUB',
    'SourceLocationOverride.$': '$.run.repoUrl',
    // `refs/heads/main^{sha}`: CodeBuild fetches only that ref (a bare SHA clones the whole
    // repository), and a fork's pull request builds from the base repository's `refs/pull/N/head`.
    'SourceVersion.$': `${CONTEXT}.source`,
    ...projectOverrides(step, image),
    BuildspecOverride: buildspec(scope, info, step, ts, cacheKey),
    EnvironmentVariablesOverride: environment(scope, info, step, ts, cacheKey),
  };
  // The project keeps no artifacts and queues builds for CodeBuild's maximum (infra/constructs/build-project.ts):
  // a step that keeps none, or a queue timeout of that maximum, needs no override.
  if (step.artifacts.length > 0) {
    params.ArtifactsOverride = {
      Type: 'S3',
      Location: bucket,
      'Path.$': `${CONTEXT}.artifacts`,
      Name: `${info.key}.zip`,
      Packaging: 'ZIP',
    };
  }
  // A registry login (Docker Hub's pull limits): CodeBuild reads the secret with the build's role, which a
  // registry credential requires (API_RegistryCredential); untrusted runs never get here (step.ts skips them).
  if (step.imageCredentials) {
    params.ImagePullCredentialsTypeOverride = 'SERVICE_ROLE';
    params.RegistryCredentialOverride = { Credential: step.imageCredentials.id, CredentialProvider: 'SECRETS_MANAGER' };
  }
  if (timeouts.buildMinutes !== undefined && timeouts.buildMinutes !== STEP_PROJECT.buildMinutes)
    params.TimeoutInMinutesOverride = timeouts.buildMinutes;
  // Trusted and untrusted runs keep caches apart (run.builds.cache): a fork cannot plant an entry a trusted build restores.
  if (step.cache)
    params.CacheOverride = { Type: 'S3', 'Location.$': `States.Format('${bucket}/{}', $.run.builds.cache)` };
  return params;
}
