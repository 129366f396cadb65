/**
 * Rules across fields of one file: needs name real steps, contexts exist where they are
 * used (declared inputs, the step's own matrix axes), expressions have shapes Step
 * Functions can decide (a template inserts one value, `==` compares values),
 * environment names free of our reserved prefixes, and the plan (duplicates, cycles, names).
 */
import type { Diagnostic } from '../diagnostics.ts';
import type { Expr, Pipeline, Step, Template } from './model.ts';
import { walkExpr } from './expressions.ts';
import { checkLambdaCompute } from './lambda-compute.ts';
import { planSteps } from './plan.ts';
import { checkRegistryCredentials } from './registry-credentials.ts';
import { matrixKeys } from './matrix.ts';
import { didYouMean } from './suggest.ts';
import { keySpanOf, spanOf, type Path, type YamlSource } from './yaml-source.ts';

const RESERVED_ENV = /^(?:SCI_|CODEBUILD_)/;
const NAME_CHARS = /^[^\s\p{Cc}](?:[^\p{Cc}]*[^\s\p{Cc}])?$/u;

/** What the checks may assume about parts of the file that failed the schema. */
export interface CheckScope {
  /** Every key under `steps:`, built or not, so a broken step is still a known need; undefined when `steps` is not a mapping. */
  stepNames: string[] | undefined;
  /** False when `on:` failed the schema, so its inputs are unknown rather than absent. */
  inputsKnown: boolean;
  /** False when some step could not be built, so the plan would be incomplete. */
  allStepsBuilt: boolean;
}

/** Every cross-field problem of one built pipeline. */
export function checkPipeline(source: YamlSource, pipeline: Pipeline, scope: CheckScope): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const inputs = Object.keys(pipeline.triggers.manual?.inputs ?? {});
  const upstream = transitiveNeeds(pipeline);
  const noSteps = (): ReadonlySet<string> => new Set<string>();
  const checkTemplate = (template: Template, path: Path, axes: string[] | undefined, reach = noSteps) => {
    for (const part of template.parts)
      if ('expr' in part)
        diagnostics.push(...checkExpr(part.expr, path, { inputs, axes, inIf: false, scope, reach, pipeline }));
  };
  // Steps the file implies (an environment's approval) are known needs too.
  const stepNames = [
    ...(scope.stepNames ?? []),
    ...pipeline.steps.map((s) => s.name).filter((n) => !scope.stepNames?.includes(n)),
  ];
  const known = new Set(stepNames);
  if (scope.stepNames?.length === 0) {
    diagnostics.push({
      code: 'no-steps',
      message: 'a pipeline needs at least one step',
      path: ['steps'],
      span: keySpanOf(source, ['steps']),
    });
  }
  for (const [name, t] of Object.entries(pipeline.env)) checkTemplate(t, ['env', name], undefined);
  checkTemplate(pipeline.defaults.image, ['defaults', 'image'], undefined);
  if (pipeline.concurrency) checkTemplate(pipeline.concurrency.group, ['concurrency'], undefined);
  diagnostics.push(...checkEnvNames(source, Object.keys(pipeline.env), [], []));
  for (const step of pipeline.steps) {
    const path = ['steps', step.name];
    const axes = step.matrix ? matrixKeys(step.matrix) : undefined;
    if (!NAME_CHARS.test(step.name)) {
      diagnostics.push({
        code: 'bad-name',
        message: `step name '${step.name}' must be printable and not start or end with a space`,
        path,
        span: step.span,
      });
    }
    const reach = () => upstream(step.name);
    diagnostics.push(...checkExpr(step.if, [...path, 'if'], { inputs, axes, inIf: true, scope, reach, pipeline }));
    for (const [template, at] of stepTemplates(step, pipeline)) checkTemplate(template, [...path, ...at], axes, reach);
    for (const need of step.needs) {
      if (need === step.name)
        diagnostics.push(needProblem(source, path, need, `step '${step.name}' cannot need itself`));
      else if (!known.has(need))
        diagnostics.push(
          needProblem(source, path, need, `unknown step '${need}' in needs${didYouMean(need, stepNames)}`),
        );
    }
    if (step.kind === 'run')
      diagnostics.push(...checkEnvNames(source, Object.keys(step.env), Object.keys(step.secrets), path));
    const ceiling = timeoutCeiling(step);
    if (step.timeout > ceiling.seconds) {
      const at = step.kind === 'approval' ? [...path, 'approval', 'timeout'] : [...path, 'timeout'];
      const written = locateWritten(source, at, path);
      diagnostics.push({
        code: 'timeout-too-long',
        message: `a ${step.kind} step's timeout is at most ${ceiling.text} (${ceiling.why})`,
        path: written,
        span: keySpanOf(source, written),
      });
    }
  }
  diagnostics.push(...checkLambdaCompute(source, pipeline), ...checkRegistryCredentials(pipeline));
  // The plan would report a bad need again (as unknown, or as a cycle of one step).
  if (scope.allStepsBuilt && !diagnostics.some((d) => d.code === 'unknown-need')) {
    const plan = planSteps(pipeline);
    if (!plan.ok) diagnostics.push(...plan.diagnostics);
  }
  return diagnostics;
}

/** A need written as a list item points at (the first) such item, a single string at the value. */
function needProblem(source: YamlSource, stepPath: Path, need: string, message: string): Diagnostic {
  const written = (source.data as Record<string, Record<string, { needs?: unknown }>>).steps?.[String(stepPath[1])]
    ?.needs;
  const path = Array.isArray(written) ? [...stepPath, 'needs', written.indexOf(need)] : [...stepPath, 'needs'];
  return { code: 'unknown-need', message, path, span: spanOf(source, path) };
}

/** Templates the user wrote on this step (the inherited default image is checked once, at the top). */
function stepTemplates(step: Step, pipeline: Pipeline): Array<[Template, Path]> {
  switch (step.kind) {
    case 'approval':
      return [[step.message, ['approval', 'message']]];
    case 'pipeline':
      return Object.entries(step.inputs).map(([k, t]) => [t, ['pipeline', 'inputs', k]]);
    case 'run':
      return [
        ...step.commands.map((c, i): [Template, Path] => [c, step.commands.length === 1 ? ['run'] : ['run', i]]),
        ...(step.image !== pipeline.defaults.image ? [[step.image, ['image']] as [Template, Path]] : []),
        ...Object.entries(step.env).map(([k, t]): [Template, Path] => [t, ['env', k]]),
        ...(step.cache ? [[step.cache.key, ['cache', 'key']] as [Template, Path]] : []),
      ];
    case 'rollout':
      return step.rollout.target.kind === 'lambda'
        ? [[step.rollout.target.version, ['rollout', 'target', 'lambda', 'version']]]
        : [];
  }
}

/** A step's needs, direct or not, each computed on first use (a cycle is reported by the plan; here it just stops). */
function transitiveNeeds(pipeline: Pipeline): (name: string) => ReadonlySet<string> {
  const direct = new Map(pipeline.steps.map((s) => [s.name, s.needs]));
  const result = new Map<string, Set<string>>();
  return (name) => {
    const known = result.get(name);
    if (known) return known;
    const seen = new Set<string>();
    const stack = [...(direct.get(name) ?? [])];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(direct.get(next) ?? []));
    }
    result.set(name, seen);
    return seen;
  };
}

/** Why `steps.NAME.outputs.KEY` cannot be read by a step that needs `reach`, or undefined when it can. */
function outputProblem(
  pipeline: Pipeline,
  reach: () => ReadonlySet<string>,
  name: string,
  key: string,
): string | undefined {
  const source = pipeline.steps.find((s) => s.name === name);
  const names = pipeline.steps.map((s) => s.name);
  if (!source) return `unknown step '${name}'${didYouMean(name, names)}`;
  if (!reach().has(name))
    return `steps.${name}.outputs is only available to steps that need '${name}' (directly or not)`;
  if (source.matrix)
    return `steps.${name}.outputs: '${name}' is a matrix step, whose instances have outputs of their own`;
  const declared = source.kind === 'run' ? source.outputs : [];
  if (!declared.includes(key))
    return `step '${name}' declares no output '${key}' (add it to its outputs:)${didYouMean(key, declared)}`;
  return undefined;
}

interface ExprScope {
  /** Steps the expression's step needs, directly or not: whose outputs it may read. */
  /** Computed when asked (most steps read no outputs): a set per step is quadratic in a long chain. */
  reach: () => ReadonlySet<string>;
  pipeline: Pipeline;
  inputs: string[];
  /** Matrix axes of the step, absent outside a matrix step. */
  axes: string[] | undefined;
  inIf: boolean;
  scope: CheckScope;
}

function checkExpr(expr: Expr, path: Path, s: ExprScope): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const problem = (node: Expr, code: string, message: string) =>
    problems.push({ code, message, path, span: node.span });
  // What Step Functions can decide: a template inserts one value; a comparison compares values.
  if (!s.inIf && expr.kind !== 'context') {
    problem(
      expr,
      'bad-expression',
      'only a value like ${{ branch }} or ${{ matrix.node }} can be inserted; conditions belong in if:',
    );
  }
  for (const node of walkExpr(expr)) {
    if (
      node.kind === 'binary' &&
      (node.op === '==' || node.op === '!=') &&
      ![node.left, node.right].every((o) => o.kind === 'literal' || o.kind === 'context')
    ) {
      problem(
        node,
        'bad-expression',
        `'${node.op}' compares values (contexts and quoted literals), not expressions: add parentheses or use &&, ||`,
      );
    }
    if (node.kind !== 'context') continue;
    const [root, field] = node.path;
    if (root === 'inputs' && s.scope.inputsKnown && !s.inputs.includes(field!)) {
      problem(
        node,
        'unknown-input',
        `unknown input '${field}' (declare it under on.manual.inputs)${didYouMean(field!, s.inputs)}`,
      );
    }
    if (root === 'steps') {
      const message = outputProblem(s.pipeline, s.reach, field!, node.path[3]!);
      if (message) problem(node, 'unknown-output', message);
    }
    if (root === 'matrix' && s.axes === undefined)
      problem(node, 'unknown-matrix', `matrix.${field} is only available in a step with a matrix`);
    else if (root === 'matrix' && !s.axes!.includes(field!)) {
      problem(node, 'unknown-matrix', `unknown matrix axis '${field}'${didYouMean(field!, s.axes!)}`);
    }
  }
  return problems;
}

/** Seconds in a year: a Step Functions standard execution (and any task token in it) lives at most one year. */
export const MAX_EXECUTION_SECONDS = 365 * 86400;
/** CodeBuild's build timeout ceiling: 2160 minutes (36 hours). */
export const MAX_BUILD_SECONDS = 2160 * 60;

function timeoutCeiling(step: Step): { seconds: number; text: string; why: string } {
  if (step.kind === 'run') return { seconds: MAX_BUILD_SECONDS, text: '36h', why: "CodeBuild's limit of 2160 minutes" };
  return {
    seconds: MAX_EXECUTION_SECONDS,
    text: '365d',
    why: 'a Step Functions execution and its task tokens live at most one year',
  };
}

/** `at` when the file writes it, else where the value came from (the step, or `defaults.timeout`). */
function locateWritten(source: YamlSource, at: Path, stepPath: Path): Path {
  return (
    [at, [...stepPath, 'timeout'], ['defaults', 'timeout']].find((candidate) => hasPath(source, candidate)) ?? stepPath
  );
}

function hasPath(source: YamlSource, path: Path): boolean {
  let node: unknown = source.data;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return false;
    node = (node as Record<string | number, unknown>)[key];
  }
  return true;
}

function checkEnvNames(source: YamlSource, env: string[], secrets: string[], base: Path): Diagnostic[] {
  const at = (group: string, name: string) => keySpanOf(source, [...base, group, name]);
  const problems: Diagnostic[] = [];
  for (const [group, names] of [
    ['env', env],
    ['secrets', secrets],
  ] as const) {
    for (const name of names) {
      if (RESERVED_ENV.test(name)) {
        problems.push({
          code: 'reserved-env',
          message: `'${name}' is reserved (SCI_ and CODEBUILD_ variables are set by serverless-ci)`,
          path: [...base, group, name],
          span: at(group, name),
        });
      }
    }
  }
  const envNames = new Set(env);
  for (const name of secrets.filter((s) => envNames.has(s))) {
    problems.push({
      code: 'env-conflict',
      message: `'${name}' is set both in env and in secrets`,
      path: [...base, 'secrets', name],
      span: at('secrets', name),
    });
  }
  return problems;
}
