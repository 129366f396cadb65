/**
 * Schema-valid file data → the Pipeline model: defaults filled, strings parsed into
 * templates and expressions with spans, one step kind per step. Problems found on the way
 * are collected, never thrown.
 */
import type { Diagnostic, SourceSpan } from '../diagnostics.ts';
import type {
  Compute,
  EnvironmentSpec,
  Expr,
  Matrix,
  MatrixValue,
  Pipeline,
  RetryPolicy,
  SecretRef,
  Step,
  Template,
} from './model.ts';
import { durationSeconds, type ImageFile, type PipelineFile, type StepFile } from './schema.ts';
import { parseCondition, parseTemplate } from './expressions.ts';
import { buildTriggers } from './build-triggers.ts';
import { buildRollout } from './rollout.ts';
import { didYouMean } from './suggest.ts';
import { keySpanOf, keysInOrder, spanOf, valueSpan, type Path, type YamlSource } from './yaml-source.ts';

/** CodeBuild's standard image, used when neither the step nor `defaults` names one. */
export const DEFAULT_IMAGE = 'aws/codebuild/standard:7.0';
/** Seconds a run or pipeline step may take unless the file says otherwise. */
export const DEFAULT_TIMEOUT = 3600;
/** Seconds an approval waits for a person. */
export const DEFAULT_APPROVAL_TIMEOUT = 86400;
/** What a retry reacts to when `retry.on` is not written. */
export const DEFAULT_RETRY_ON: RetryPolicy['on'] = ['failure', 'timeout'];
const KINDS = ['run', 'approval', 'pipeline', 'rollout'] as const;
const RUN_ONLY = ['image', 'compute', 'retry', 'env', 'secrets', 'artifacts', 'cache', 'outputs'] as const;
/** Step kinds that release to an environment. */
const RELEASING: ReadonlyArray<(typeof KINDS)[number]> = ['run', 'rollout'];

type Scalar = string | number | boolean;

class Builder {
  readonly diagnostics: Diagnostic[] = [];

  constructor(readonly source: YamlSource) {}

  template(value: Scalar, path: Path): Template {
    const span = valueSpan(this.source, path);
    if (typeof value !== 'string') return { parts: [{ text: String(value) }], span };
    const parsed = parseTemplate(value, span);
    if (parsed.ok) return parsed.value;
    this.diagnostics.push(...parsed.diagnostics.map((d) => ({ ...d, path })));
    return { parts: [{ text: value }], span };
  }

  templates(map: Record<string, Scalar> | undefined, path: Path): Record<string, Template> {
    return Object.fromEntries(Object.entries(map ?? {}).map(([k, v]) => [k, this.template(v, [...path, k])]));
  }

  condition(value: string | boolean | undefined, path: Path, stepSpan: SourceSpan): Expr {
    if (value === undefined) return { kind: 'call', name: 'success', args: [], span: stepSpan };
    if (typeof value === 'boolean') return { kind: 'literal', value, span: spanOf(this.source, path) };
    const parsed = parseCondition(value, valueSpan(this.source, path));
    if (parsed.ok) return parsed.value;
    this.diagnostics.push(...parsed.diagnostics.map((d) => ({ ...d, path })));
    return { kind: 'literal', value: false, span: spanOf(this.source, path) };
  }
}

/** Builds the model from the parts of the file that passed the schema. */
export function buildPipeline(
  source: YamlSource,
  id: string,
  file: Partial<PipelineFile>,
): { pipeline: Pipeline; diagnostics: Diagnostic[] } {
  const b = new Builder(source);
  const rootSpan = spanOf(source, []);
  const defaults: Pipeline['defaults'] = {
    ...(file.defaults?.image !== undefined
      ? imageFields(b, file.defaults.image, ['defaults', 'image'])
      : { image: { parts: [{ text: DEFAULT_IMAGE }], span: rootSpan } }),
    compute: file.defaults?.compute ?? ('small' satisfies Compute),
    timeout: file.defaults?.timeout !== undefined ? durationSeconds(file.defaults.timeout) : DEFAULT_TIMEOUT,
  };
  const concurrency = typeof file.concurrency === 'string' ? { group: file.concurrency } : file.concurrency;
  const steps = file.steps ?? {};
  const pipeline: Pipeline = {
    id,
    file: source.file,
    name: file.name ?? id,
    triggers: buildTriggers(source, file.on, b.diagnostics),
    env: b.templates(file.env, ['env']),
    defaults,
    ...(concurrency && {
      concurrency: {
        group: b.template(
          concurrency.group,
          typeof file.concurrency === 'string' ? ['concurrency'] : ['concurrency', 'group'],
        ),
        cancelInProgress: concurrency.cancel_in_progress ?? false,
      },
    }),
    steps: keysInOrder(source, ['steps']).flatMap((name) => {
      const step = Object.hasOwn(steps, name) ? steps[name] : undefined;
      const built = step ? buildStep(b, name, step, defaults) : undefined;
      return built ? withEnvironmentApproval(built) : [];
    }),
  };
  return { pipeline, diagnostics: b.diagnostics };
}

function buildStep(b: Builder, name: string, step: StepFile, defaults: Pipeline['defaults']): Step | undefined {
  const path = ['steps', name];
  const span = keySpanOf(b.source, path);
  const kinds = KINDS.filter((k) => step[k] !== undefined);
  if (kinds.length !== 1) {
    const message =
      kinds.length === 0
        ? 'a step needs one of run, approval, pipeline or rollout'
        : `a step has exactly one of run, approval, pipeline or rollout, not ${kinds.join(' and ')}`;
    b.diagnostics.push({ code: 'step-kind', message: `step '${name}': ${message}`, path, span });
    return undefined;
  }
  const [kind] = kinds as [(typeof KINDS)[number]];
  for (const key of RUN_ONLY) {
    if (kind !== 'run' && step[key] !== undefined) {
      b.diagnostics.push({
        code: 'step-kind',
        message: `'${key}' applies only to run steps`,
        path: [...path, key],
        span: keySpanOf(b.source, [...path, key]),
      });
    }
  }
  if (!RELEASING.includes(kind) && step.environment !== undefined) {
    const at = [...path, 'environment'];
    b.diagnostics.push({
      code: 'step-kind',
      message: "'environment' applies only to run and rollout steps",
      path: at,
      span: keySpanOf(b.source, at),
    });
  }
  const common = {
    name,
    needs: [...new Set(typeof step.needs === 'string' ? [step.needs] : (step.needs ?? []))],
    if: b.condition(step.if, [...path, 'if'], span),
    ifWritten: step.if !== undefined,
    allowFailure: step.allow_failure ?? false,
    ...(step.matrix && { matrix: buildMatrix(b, [...path, 'matrix'], step.matrix) }),
    span,
  };
  const timeout = step.timeout !== undefined ? durationSeconds(step.timeout) : undefined;
  if (kind === 'approval') {
    const message =
      step.approval?.message !== undefined
        ? b.template(step.approval.message, [...path, 'approval', 'message'])
        : { parts: [{ text: `Approve ${name}?` }], span };
    const approvalTimeout =
      step.approval?.timeout !== undefined
        ? durationSeconds(step.approval.timeout)
        : (timeout ?? DEFAULT_APPROVAL_TIMEOUT);
    return { ...common, kind, message, timeout: approvalTimeout };
  }
  if (kind === 'pipeline') {
    const call = step.pipeline!;
    return {
      ...common,
      kind,
      pipeline: call.name!,
      inputs: b.templates(call.inputs, [...path, 'pipeline', 'inputs']),
      timeout: timeout ?? defaults.timeout,
    };
  }
  if (kind === 'rollout') {
    if (step.matrix)
      b.diagnostics.push({
        code: 'step-kind',
        message: 'a rollout step cannot have a matrix',
        path: [...path, 'matrix'],
        span: keySpanOf(b.source, [...path, 'matrix']),
      });
    const built = buildRollout(b, [...path, 'rollout'], step.rollout!);
    return (
      built && {
        ...common,
        kind,
        rollout: built.rollout,
        timeout: timeout ?? built.timeout,
        ...environmentFields(b, path, step),
      }
    );
  }
  return { ...common, ...runFields(b, path, step, defaults), timeout: timeout ?? defaults.timeout };
}

/**
 * `environment: { approval: true }` becomes an approval step `approve <step>` that takes the
 * step's needs and condition; the step then needs only it. Both skip other branches.
 */
function withEnvironmentApproval(step: Step): Step[] {
  if (!step.environment?.approval) return [step];
  const approval: Step = {
    name: `approve ${step.name}`,
    needs: step.needs,
    if: step.if,
    ifWritten: step.ifWritten,
    allowFailure: false,
    ...(step.branches ? { branches: step.branches } : {}),
    span: step.environment.span,
    kind: 'approval',
    message: { parts: [{ text: `Release ${step.name} to ${step.environment.name}?` }], span: step.environment.span },
    timeout: DEFAULT_APPROVAL_TIMEOUT,
  };
  return [
    approval,
    {
      ...step,
      needs: [approval.name],
      if: { kind: 'call', name: 'success', args: [], span: step.span },
      ifWritten: false,
    },
  ];
}

/**
 * Axes in file order (YAML keeps `2: [..]` where JS objects would not), `exclude` and
 * `include` as written. An exclude key that is not an axis matches nothing: as on GitHub,
 * it is an error rather than a silent no-op.
 */
function buildMatrix(b: Builder, path: Path, file: NonNullable<StepFile['matrix']>): Matrix {
  const axisNames = keysInOrder(b.source, path).filter((k) => k !== 'include' && k !== 'exclude');
  const axes = Object.fromEntries(axisNames.map((axis) => [axis, file[axis] as MatrixValue[]]));
  const entries = (which: 'include' | 'exclude') =>
    (file[which] ?? []).map((_, i) => {
      const entry = file[which]![i]!;
      return Object.fromEntries(keysInOrder(b.source, [...path, which, i]).map((k) => [k, entry[k]!]));
    });
  const exclude = entries('exclude');
  exclude.forEach((entry, i) => {
    for (const key of Object.keys(entry)) {
      if (Object.hasOwn(axes, key)) continue;
      b.diagnostics.push({
        code: 'unknown-matrix',
        message: `exclude key '${key}' is not a matrix axis${didYouMean(key, axisNames)}`,
        path: [...path, 'exclude', i, key],
        span: keySpanOf(b.source, [...path, 'exclude', i, key]),
      });
    }
  });
  return { axes, exclude, include: entries('include'), span: keySpanOf(b.source, path) };
}

/** What only a run step has, with the pipeline's defaults filled in. */
function runFields(b: Builder, path: Path, step: StepFile, defaults: Pipeline['defaults']) {
  const retry = typeof step.retry === 'number' ? { max: step.retry } : step.retry;
  return {
    kind: 'run' as const,
    commands:
      typeof step.run === 'string'
        ? [b.template(step.run, [...path, 'run'])]
        : step.run!.map((c, i) => b.template(c, [...path, 'run', i])),
    ...(step.image !== undefined
      ? imageFields(b, step.image, [...path, 'image'])
      : { image: defaults.image, ...(defaults.imageCredentials && { imageCredentials: defaults.imageCredentials }) }),
    compute: step.compute ?? defaults.compute,
    retry: { max: retry?.max ?? 0, on: [...(retry?.on ?? DEFAULT_RETRY_ON)] },
    env: b.templates(step.env, [...path, 'env']),
    secrets: Object.fromEntries(
      Object.entries(step.secrets ?? {}).map(([k, ref]) => [k, secretRef(b, ref, [...path, 'secrets', k])]),
    ),
    artifacts: step.artifacts ?? [],
    outputs: [...new Set(step.outputs ?? [])],
    ...(step.cache && {
      cache: { key: b.template(step.cache.key, [...path, 'cache', 'key']), paths: step.cache.paths },
    }),
    ...environmentFields(b, path, step),
  };
}

function environmentFields(b: Builder, path: Path, step: StepFile) {
  if (step.environment === undefined) return {};
  const written = typeof step.environment === 'string' ? { name: step.environment } : step.environment;
  const spec: EnvironmentSpec = {
    name: written.name,
    approval: written.approval ?? false,
    ...(written.url !== undefined ? { url: written.url } : {}),
    ...(written.branches !== undefined ? { branches: written.branches } : {}),
    span: spanOf(b.source, [...path, 'environment']),
  };
  return {
    environment: spec,
    ...(spec.branches ? { branches: { globs: spec.branches, environment: spec.name } } : {}),
  };
}

/** `image: NAME` or `image: { name, credentials }`. */
function imageFields(b: Builder, written: ImageFile, path: Path): { image: Template; imageCredentials?: SecretRef } {
  if (typeof written === 'string') return { image: b.template(written, path) };
  return {
    image: b.template(written.name, [...path, 'name']),
    ...(written.credentials !== undefined && {
      imageCredentials: secretRef(b, written.credentials, [...path, 'credentials']),
    }),
  };
}

function secretRef(b: Builder, ref: string, path: Path): SecretRef {
  const colon = ref.indexOf(':');
  return { store: ref.slice(0, colon) as SecretRef['store'], id: ref.slice(colon + 1), span: spanOf(b.source, path) };
}
