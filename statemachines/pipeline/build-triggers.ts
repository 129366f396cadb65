/**
 * `on:` as written → normalized Triggers with every default filled (no `on` = push to any
 * branch; pull_request types opened/synchronize/reopened; pipeline status succeeded).
 */
import type { Diagnostic } from '../diagnostics.ts';
import type { InputSpec, PipelineTrigger, PullRequestTrigger, PushTrigger, Triggers } from './model.ts';
import { normalizeCron, type InputFile, type PipelineFile } from './schema.ts';
import { keySpanOf, spanOf, type YamlSource } from './yaml-source.ts';

type On = NonNullable<PipelineFile['on']>;
type TriggerMap = Exclude<On, string | string[]>;

/** The pull_request actions that start a pipeline unless `types` says otherwise. */
export const DEFAULT_PR_TYPES = ['opened', 'synchronize', 'reopened'];

/** Normalizes `on:`; problems with inputs go to `diagnostics`. */
export function buildTriggers(source: YamlSource, on: On | undefined, diagnostics: Diagnostic[]): Triggers {
  if (on === undefined) return { push: {} };
  if (typeof on === 'string' || Array.isArray(on)) {
    const events = new Set(typeof on === 'string' ? [on] : on);
    return {
      ...(events.has('push') && { push: {} }),
      ...(events.has('pull_request') && { pullRequest: { types: [...DEFAULT_PR_TYPES] } }),
      ...(events.has('manual') && { manual: { inputs: {} } }),
    };
  }
  return buildTriggerMap(source, on, diagnostics);
}

function buildTriggerMap(source: YamlSource, on: TriggerMap, diagnostics: Diagnostic[]): Triggers {
  const triggers: Triggers = {};
  if (on.push !== undefined) triggers.push = pushTrigger(on.push ?? {});
  if (on.pull_request !== undefined) triggers.pullRequest = pullRequestTrigger(on.pull_request ?? {});
  if (on.schedule) {
    triggers.schedule = on.schedule.map((s, i) => ({
      cron: normalizeCron(s.cron),
      ...(s.branch !== undefined && { branch: s.branch }),
      span: spanOf(source, ['on', 'schedule', i]),
    }));
  }
  if (on.manual !== undefined) {
    const inputs = Object.entries(on.manual?.inputs ?? {}).map(
      ([name, spec]) => [name, inputSpec(source, name, spec, diagnostics)] as const,
    );
    triggers.manual = { inputs: Object.fromEntries(inputs) };
  }
  if (on.pipeline) {
    const entries = Array.isArray(on.pipeline) ? on.pipeline : [on.pipeline];
    triggers.pipeline = entries.map(
      (p, i): PipelineTrigger => ({
        name: p.name,
        status: p.status ?? ['succeeded'],
        span: spanOf(source, Array.isArray(on.pipeline) ? ['on', 'pipeline', i, 'name'] : ['on', 'pipeline', 'name']),
      }),
    );
  }
  if (Object.keys(triggers).length === 0) {
    diagnostics.push({
      code: 'no-trigger',
      message: 'on: no event would ever start this pipeline',
      path: ['on'],
      span: keySpanOf(source, ['on']),
    });
  }
  return triggers;
}

function pushTrigger(push: NonNullable<TriggerMap['push']>): PushTrigger {
  return {
    ...(push.branches && { branches: push.branches }),
    ...(push.branches_ignore && { branchesIgnore: push.branches_ignore }),
    ...(push.tags && { tags: push.tags }),
    ...(push.paths && { paths: push.paths }),
    ...(push.paths_ignore && { pathsIgnore: push.paths_ignore }),
  };
}

function pullRequestTrigger(pr: NonNullable<TriggerMap['pull_request']>): PullRequestTrigger {
  return {
    types: pr.types ?? [...DEFAULT_PR_TYPES],
    ...(pr.branches && { branches: pr.branches }),
    ...(pr.paths && { paths: pr.paths }),
    ...(pr.paths_ignore && { pathsIgnore: pr.paths_ignore }),
  };
}

/** Typed input; the default must have the input's type (and be one of the options of a choice). */
function inputSpec(source: YamlSource, name: string, spec: InputFile, diagnostics: Diagnostic[]): InputSpec {
  const path = ['on', 'manual', 'inputs', name];
  const problem = (key: string, message: string) =>
    diagnostics.push({
      code: 'bad-input',
      message: `input '${name}': ${message}`,
      path: [...path, key],
      span: spanOf(source, [...path, key]),
    });
  const type = spec.type ?? (spec.options ? 'choice' : 'string');
  const common = {
    required: spec.required ?? false,
    ...(spec.description !== undefined && { description: spec.description }),
  };
  const given = spec.default;
  if (type !== 'choice' && spec.options) problem('options', `options only apply to inputs of type choice`);
  switch (type) {
    case 'boolean':
      if (given !== undefined && typeof given !== 'boolean')
        problem('default', 'the default of a boolean input must be true or false');
      return { type, ...common, ...(typeof given === 'boolean' && { default: given }) };
    case 'number':
      if (given !== undefined && typeof given !== 'number')
        problem('default', 'the default of a number input must be a number');
      return { type, ...common, ...(typeof given === 'number' && { default: given }) };
    case 'choice': {
      const options = spec.options ?? [];
      if (options.length === 0) problem('type', 'a choice input needs options');
      if (given !== undefined && !options.includes(String(given)))
        problem('default', `the default '${String(given)}' is not one of the options (${options.join(', ')})`);
      return { type, options, ...common, ...(given !== undefined && { default: String(given) }) };
    }
    default:
      return { type, ...common, ...(given !== undefined && { default: String(given) }) };
  }
}
