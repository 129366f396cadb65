/**
 * All pipelines of a repository at once: each file parsed, then the rules that span
 * files: called and upstream pipelines exist, call inputs are declared, no pipeline
 * calls itself (directly or through others), ids are unique.
 */
import { sortDiagnostics, type Diagnostic, type SourceSpan } from '../diagnostics.ts';
import type { Pipeline, PipelineCallStep, PipelineFile } from './model.ts';
import { analysePipeline, pipelineIdFromPath } from './parse.ts';
import { didYouMean, withSuggestionBudget } from './suggest.ts';

export type { PipelineFile };

export { pipelineIdFromPath };

/** `.sci/**.yml` and `.sci/**.yaml`, the files that are pipelines. */
export const PIPELINE_FILE = /^\.sci\/.+\.ya?ml$/i;

/** Whether a repository-relative path is a pipeline file (`\` separators accepted). */
export function isPipelineFile(path: string): boolean {
  return PIPELINE_FILE.test(path.replace(/\\/g, '/').replace(/^\.\//, ''));
}

/**
 * Validates every pipeline file among `sources` (other paths are ignored). `pipelines`
 * holds those without problems of their own; any diagnostic means the repository's
 * pipelines are not runnable as a whole. Never throws.
 */
export function validateRepo(sources: PipelineFile[]): { pipelines: Pipeline[]; diagnostics: Diagnostic[] } {
  return withSuggestionBudget(() => validateFiles(sources));
}

function symlinkProblem(file: PipelineFile & { symlink: string }): Diagnostic {
  const what = file.path === '.sci' ? 'the .sci directory' : 'a file under .sci/';
  const message = `${what} can't be a symbolic link (this one points to ${JSON.stringify(file.symlink)}): commit the file itself`;
  return { code: 'symbolic-link', message, path: [], span: { file: file.path, line: 1, col: 1 } };
}

function validateFiles(sources: PipelineFile[]): { pipelines: Pipeline[]; diagnostics: Diagnostic[] } {
  const links = sources.filter((s): s is PipelineFile & { symlink: string } => s.symlink !== undefined);
  const files = sources
    .filter((s) => s.symlink === undefined && isPipelineFile(s.path))
    .sort((a, b) => a.path.localeCompare(b.path));
  const diagnostics: Diagnostic[] = links.map(symlinkProblem);
  const pipelines: Pipeline[] = [];
  /** Every model built, including partial ones of files with problems, for the cross-file checks. */
  const analysed: Pipeline[] = [];
  const ids = new Map<string, string>();
  for (const { path, text } of files) {
    const id = pipelineIdFromPath(path);
    const other = ids.get(id);
    if (other !== undefined) {
      diagnostics.push({
        code: 'duplicate-pipeline',
        message: `pipeline id '${id}' is also defined by ${other}`,
        path: [],
        span: { file: path, line: 1, col: 1 },
      });
      continue;
    }
    ids.set(id, path);
    const { pipeline, diagnostics: problems } = analysePipeline(path, text);
    if (pipeline) analysed.push(pipeline);
    if (pipeline && problems.length === 0) pipelines.push(pipeline);
    diagnostics.push(...problems);
  }
  try {
    diagnostics.push(...crossFileChecks(analysed, [...ids.keys()]));
  } catch (error) {
    diagnostics.push({
      code: 'internal',
      message: `internal error: ${error instanceof Error ? error.message : String(error)}`,
      path: [],
    });
  }
  return { pipelines, diagnostics: sortDiagnostics(diagnostics) };
}

function crossFileChecks(pipelines: Pipeline[], knownIds: string[]): Diagnostic[] {
  const byId = new Map(pipelines.map((p) => [p.id, p]));
  const diagnostics: Diagnostic[] = [];
  const problem = (code: string, message: string, span: SourceSpan) =>
    diagnostics.push({ code, message, path: [], span });
  for (const pipeline of pipelines) {
    for (const trigger of pipeline.triggers.pipeline ?? []) {
      if (trigger.name === pipeline.id)
        problem('self-trigger', `a pipeline cannot be started by its own end`, trigger.span);
      else if (!knownIds.includes(trigger.name))
        problem(
          'unknown-pipeline',
          `unknown pipeline '${trigger.name}'${didYouMean(trigger.name, knownIds)}`,
          trigger.span,
        );
    }
    for (const step of calls(pipeline)) {
      const callee = byId.get(step.pipeline);
      if (!knownIds.includes(step.pipeline)) {
        problem(
          'unknown-pipeline',
          `step '${step.name}' calls unknown pipeline '${step.pipeline}'${didYouMean(step.pipeline, knownIds)}`,
          step.span,
        );
      } else if (callee) {
        diagnostics.push(...checkCallInputs(step, callee));
      }
    }
  }
  for (const cycle of callCycles(pipelines)) {
    const step = calls(byId.get(cycle[0]!)!).find((s) => s.pipeline === cycle[1])!;
    problem(
      'call-cycle',
      cycle.length === 2 ? `pipeline ${cycle[0]} calls itself` : `pipeline call cycle: ${cycle.join(' → ')}`,
      step.span,
    );
  }
  return diagnostics;
}

const calls = (pipeline: Pipeline): PipelineCallStep[] =>
  pipeline.steps.filter((s): s is PipelineCallStep => s.kind === 'pipeline');

/** Inputs passed to a callee must be ones it declares; its required inputs without default must be passed. */
function checkCallInputs(step: PipelineCallStep, callee: Pipeline): Diagnostic[] {
  const declared = callee.triggers.manual?.inputs ?? {};
  const names = Object.keys(declared);
  const problems: Diagnostic[] = [];
  for (const [name, template] of Object.entries(step.inputs)) {
    if (!names.includes(name)) {
      problems.push({
        code: 'bad-input',
        message: `pipeline ${callee.id} has no input '${name}'${didYouMean(name, names)}`,
        path: [],
        span: template.span,
      });
    }
  }
  for (const [name, spec] of Object.entries(declared)) {
    if (spec.required && spec.default === undefined && !Object.hasOwn(step.inputs, name)) {
      problems.push({
        code: 'bad-input',
        message: `step '${step.name}' must pass the required input '${name}' of pipeline ${callee.id}`,
        path: [],
        span: step.span,
      });
    }
  }
  return problems;
}

/**
 * Each distinct cycle of `pipeline:` calls once, as ids closing on the first
 * (`['a', 'b', 'a']`; a self-call is `['a', 'a']`), found from pipelines in id order.
 */
function callCycles(pipelines: Pipeline[]): string[][] {
  const callees = new Map(pipelines.map((p) => [p.id, [...new Set(calls(p).map((s) => s.pipeline))]]));
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const stack: string[] = [];
  const done = new Set<string>();
  const visit = (id: string) => {
    if (done.has(id) || !callees.has(id)) return;
    const at = stack.indexOf(id);
    if (at >= 0) {
      const cycle = [...stack.slice(at), id];
      const signature = [...cycle.slice(1)].sort().join('\n');
      if (!seen.has(signature)) cycles.push(cycle);
      seen.add(signature);
      return;
    }
    stack.push(id);
    for (const callee of callees.get(id)!) visit(callee);
    stack.pop();
    done.add(id);
  };
  for (const id of [...callees.keys()].sort()) visit(id);
  return cycles;
}
