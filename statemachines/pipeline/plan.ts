/**
 * The DAG of executable units: matrix expansion, instance-level needs, identifier-safe keys,
 * a topological order stable with respect to file order, and cycle detection.
 */
import { fail, ok, type Diagnostic, type Result } from '../diagnostics.ts';
import type { Pipeline, Step, StepInstance } from './model.ts';
import { instanceName, instantiateStep, matrixCells } from './matrix.ts';

/** Step Functions' limit on state names; instance names are used as state-name stems. */
export const MAX_NAME_LENGTH = 80;

/**
 * Expands and orders the steps. Each instance's `step` has its matrix values inlined
 * (templates and `if`), its `needs` are instance names, and the result is topologically
 * sorted: a step comes after everything it needs and otherwise keeps its file order.
 */
export function planSteps(pipeline: Pipeline): Result<StepInstance[]> {
  const diagnostics: Diagnostic[] = [];
  const problem = (step: Step, code: string, message: string) => diagnostics.push({ code, message, path: ['steps', step.name], span: step.span });
  const byStep = new Map<string, StepInstance[]>();
  const names = new Set<string>();
  const keys = new Set<string>();
  for (const step of pipeline.steps) {
    const expansion = matrixCells(step.matrix);
    if (!expansion.ok) {
      diagnostics.push({ code: 'matrix-size', message: `step '${step.name}': ${expansion.message}`, path: ['steps', step.name, 'matrix'], span: step.matrix!.span });
    }
    const instances = (expansion.ok ? expansion.cells : []).map((cell) => {
      const name = instanceName(step.name, cell);
      if (names.has(name) || byStep.has(step.name)) problem(step, 'duplicate-name', `duplicate step name '${name}'`);
      if ([...name].length > MAX_NAME_LENGTH) problem(step, 'name-too-long', `step name '${name}' is longer than ${MAX_NAME_LENGTH} characters`);
      names.add(name);
      return { name, key: uniqueKey(name, keys), step: instantiateStep(step, cell), matrix: cell, needs: [] as string[] };
    });
    if (!byStep.has(step.name)) byStep.set(step.name, instances);
  }
  for (const step of pipeline.steps) {
    const needed = step.needs.flatMap((need) => {
      const target = byStep.get(need);
      if (!target) problem(step, 'unknown-need', `step '${step.name}' needs unknown step '${need}'`);
      return (target ?? []).map((i) => i.name);
    });
    for (const instance of byStep.get(step.name) ?? []) instance.needs = needed;
  }
  if (diagnostics.length > 0) return fail(diagnostics);
  const cycle = findCycle(pipeline);
  if (cycle) {
    const first = pipeline.steps.find((s) => s.name === cycle[0])!;
    return fail([{ code: 'cycle', message: `cycle: ${cycle.join(' → ')}`, path: ['steps', first.name], span: first.span }]);
  }
  return ok(topologicalOrder([...byStep.values()].flat()));
}

/** `test (node=20, shard=1)` → `test_node_20_shard_1`, suffixed `_2`, `_3`… when taken. */
function uniqueKey(name: string, taken: Set<string>): string {
  let base = name.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'step';
  if (/^[0-9]/.test(base)) base = `s_${base}`;
  let key = base;
  for (let n = 2; taken.has(key); n++) key = `${base}_${n}`;
  taken.add(key);
  return key;
}

/** Kahn's algorithm, always taking the earliest ready instance in file order. */
function topologicalOrder(instances: StepInstance[]): StepInstance[] {
  const done = new Set<string>();
  const order: StepInstance[] = [];
  const pending = [...instances];
  while (pending.length > 0) {
    const index = pending.findIndex((i) => i.needs.every((n) => done.has(n)));
    const [next] = pending.splice(index, 1) as [StepInstance];
    done.add(next.name);
    order.push(next);
  }
  return order;
}

/**
 * The first cycle among step needs, as names closing on the first one
 * (`['a', 'b', 'a']`), searched from steps in file order so the answer is stable.
 */
export function findCycle(pipeline: Pipeline): string[] | undefined {
  const needs = new Map(pipeline.steps.map((s) => [s.name, s.needs]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done' || !needs.has(name)) return undefined;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const need of needs.get(name)!) {
      const cycle = visit(need);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const step of pipeline.steps) {
    const cycle = visit(step.name);
    if (cycle) return cycle;
  }
  return undefined;
}
