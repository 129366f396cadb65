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
 * Steps of one pipeline after matrix expansion. Far above any real pipeline (the compiler splits
 * big ones into child state machines), low enough that planning stays well under a second.
 */
export const MAX_INSTANCES = 10_000;

/**
 * Expands and orders the steps. Each instance's `step` has its matrix values inlined
 * (templates and `if`), its `needs` are instance names, and the result is topologically
 * sorted: a step comes after everything it needs and otherwise keeps its file order.
 */
export function planSteps(pipeline: Pipeline): Result<StepInstance[]> {
  const diagnostics: Diagnostic[] = [];
  const problem = (step: Step, code: string, message: string) =>
    diagnostics.push({ code, message, path: ['steps', step.name], span: step.span });
  const byStep = new Map<string, StepInstance[]>();
  const names = new Set<string>();
  const keys = new Set<string>();
  let total = 0;
  for (const step of pipeline.steps) {
    const expansion = matrixCells(step.matrix);
    total += expansion.ok ? expansion.cells.length : 0;
    if (total > MAX_INSTANCES) {
      const message = `the pipeline has more than ${MAX_INSTANCES} steps after matrix expansion (step '${step.name}' passes the limit)`;
      return fail([{ code: 'too-many-steps', message, path: ['steps', step.name], span: step.span }]);
    }
    if (!expansion.ok) {
      diagnostics.push({
        code: 'matrix-size',
        message: `step '${step.name}': ${expansion.message}`,
        path: ['steps', step.name, 'matrix'],
        span: step.matrix!.span,
      });
    }
    const instances = (expansion.ok ? expansion.cells : []).map((cell) => {
      const name = instanceName(step.name, cell);
      if (names.has(name) || byStep.has(step.name)) problem(step, 'duplicate-name', `duplicate step name '${name}'`);
      if ([...name].length > MAX_NAME_LENGTH)
        problem(step, 'name-too-long', `step name '${name}' is longer than ${MAX_NAME_LENGTH} characters`);
      names.add(name);
      return {
        name,
        key: uniqueKey(name, keys),
        step: instantiateStep(step, cell),
        matrix: cell,
        needs: [] as string[],
      };
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
    return fail([
      { code: 'cycle', message: `cycle: ${cycle.join(' → ')}`, path: ['steps', first.name], span: first.span },
    ]);
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

/**
 * Kahn's algorithm, always taking the earliest ready instance in file order (a binary heap of
 * plan positions: near-linear at thousands of steps).
 */
function topologicalOrder(instances: StepInstance[]): StepInstance[] {
  const position = new Map(instances.map((inst, i) => [inst.name, i]));
  const waiting = instances.map((inst) => inst.needs.length);
  const dependants: number[][] = instances.map(() => []);
  instances.forEach((inst, i) => {
    for (const n of inst.needs) dependants[position.get(n)!]!.push(i);
  });
  const ready = new MinHeap();
  waiting.forEach((w, i) => {
    if (w === 0) ready.push(i);
  });
  const order: StepInstance[] = [];
  while (ready.size > 0) {
    const next = ready.pop();
    order.push(instances[next]!);
    for (const d of dependants[next]!) if (--waiting[d]! === 0) ready.push(d);
  }
  return order;
}

class MinHeap {
  private readonly items: number[] = [];
  get size(): number {
    return this.items.length;
  }
  push(value: number): void {
    const a = this.items;
    a.push(value);
    for (let i = a.length - 1; i > 0; ) {
      const up = (i - 1) >> 1;
      if (a[up]! <= a[i]!) break;
      [a[up], a[i]] = [a[i]!, a[up]!];
      i = up;
    }
  }
  pop(): number {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let min = i;
        if (l < a.length && a[l]! < a[min]!) min = l;
        if (r < a.length && a[r]! < a[min]!) min = r;
        if (min === i) break;
        [a[min], a[i]] = [a[i]!, a[min]!];
        i = min;
      }
    }
    return top;
  }
}

/**
 * The first cycle among step needs, as names closing on the first one
 * (`['a', 'b', 'a']`), searched from steps in file order so the answer is stable.
 * Depth-first with an explicit stack: a 5,000-step chain is 5,000 levels deep.
 */
export function findCycle(pipeline: Pipeline): string[] | undefined {
  const needs = new Map(pipeline.steps.map((s) => [s.name, s.needs]));
  const state = new Map<string, 'visiting' | 'done'>();
  for (const step of pipeline.steps) {
    if (state.has(step.name)) continue;
    const path: string[] = [step.name];
    const next: number[] = [0];
    state.set(step.name, 'visiting');
    while (path.length > 0) {
      const name = path.at(-1)!;
      const list = needs.get(name)!;
      const i = next[next.length - 1]!;
      if (i === list.length) {
        state.set(name, 'done');
        path.pop();
        next.pop();
        continue;
      }
      next[next.length - 1] = i + 1;
      const need = list[i]!;
      if (!needs.has(need) || state.get(need) === 'done') continue;
      if (state.get(need) === 'visiting') return [...path.slice(path.indexOf(need)), need];
      state.set(need, 'visiting');
      path.push(need);
      next.push(0);
    }
  }
  return undefined;
}
