/**
 * Compiler benchmark: validate+compile time, ASL bytes, worst-case history events and transitions per
 * step for chains and layered DAGs of 100/1,000/5,000 steps; billed state
 * transitions per step for a chain, a fan and an N-shaped DAG (StateEntered events of a local
 * execution); DAG fidelity (makespan / critical path) of the exact layout vs the naive
 * "topological levels as Parallel stages" layout, on the same seeded random DAGs.
 * Run: node --import tsx bench/compile.ts [sizes] [largest] [bytes] [transitions] [fidelity] (the tables
 * named, in this order; all of them without an argument, as `npm run bench -- compile` runs it).
 */
import { compileLayout, compileSource, type CompiledPipeline } from '../statemachines/compiler/compile.ts';
import { layoutDag, type Block, type DagLayout } from '../statemachines/compiler/dag.ts';
import { MAX_FILE_BYTES } from '../statemachines/pipeline/yaml-source.ts';
import type { StepInstance } from '../statemachines/pipeline/model.ts';
import type { State } from '../statemachines/asl/types.ts';
import { execute, plan, runInput } from '../test/statemachines/compiler/harness.ts';
import {
  chainDag as chain,
  compactYaml,
  criticalPath,
  dagYaml,
  layeredDag as layered,
  prng,
  randomDag,
  type RandomStep,
} from '../test/statemachines/compiler/random-dags.ts';
import { simulate } from '../test/statemachines/compiler/simulate.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const step = (name: string, needs: string[], durationMs = 0): RandomStep => ({
  name,
  needs,
  cond: 'default',
  allowFailure: false,
  fails: false,
  durationMs,
});

type Layout = (instances: StepInstance[]) => DagLayout;

const exact: Layout = (instances) => {
  const keyOf = new Map(instances.map((i) => [i.name, i.key]));
  return layoutDag(
    instances.map((i) => i.key),
    new Map(instances.map((i) => [i.key, i.needs.map((n) => keyOf.get(n)!)])),
  );
};

/** The naive layout: topological levels run as Parallel stages, one after another. */
const naive: Layout = (instances) => {
  const keyOf = new Map(instances.map((i) => [i.name, i.key]));
  const level = new Map<string, number>();
  for (const i of instances) level.set(i.key, 1 + Math.max(-1, ...i.needs.map((n) => level.get(keyOf.get(n)!)!)));
  const depth = Math.max(...level.values());
  const stages: Block[] = [];
  for (let l = 0; l <= depth; l++) {
    const here: Block[] = instances.filter((i) => level.get(i.key) === l).map((i) => ({ kind: 'step', key: i.key }));
    stages.push(here.length === 1 ? here[0]! : { kind: 'par', branches: here });
  }
  return { root: { kind: 'seq', items: stages }, gates: new Map() };
};

function build(steps: RandomStep[], layout: Layout, enforceLimits = true): CompiledPipeline {
  const { pipeline, instances } = plan(compactYaml(steps), '.sci/bench.yml');
  const r = compileLayout(pipeline, instances, layout(instances), undefined, { enforceLimits });
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.value;
}

/**
 * Side by side per shape and size: validate+compile wall time (median) and CPU time (user +
 * system, what the load of a shared machine does not inflate), the machines it deploys as (a root
 * and parts over the quotas), and, for the pipeline as one machine, compact ASL bytes, worst-case
 * history events and state transitions per step (the longest path of the definition, every retry
 * used: an upper bound, not the happy path). Rows print as they are measured (the 5,000-step ones take
 * minutes on a loaded machine).
 */
function sizeTable(): void {
  const rows = [
    '| shape | steps | validate+compile (median wall) | CPU (median) | machines (root + parts) | largest payload (where) | ASL bytes/step | history events/step (worst) | transitions/step (worst) |',
    '| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
  ];
  console.log(rows.join('\n'));
  for (const [shape, make] of [
    ['chain', chain],
    ['layered DAG', layered],
  ] as const) {
    for (const n of [100, 1000, 5000]) {
      const steps = make(n);
      const text = compactYaml(steps);
      const wall: number[] = [];
      const cpu: number[] = [];
      let machines = '';
      let payload = '';
      for (let i = 0; i < (n >= 5000 ? 1 : n >= 1000 ? 3 : 11); i++) {
        const c0 = process.cpuUsage();
        const t = performance.now();
        const r = compileSource('.sci/bench.yml', text);
        wall.push(performance.now() - t);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1000);
        machines = machinesOf(r);
        payload = payloadOf(r);
      }
      const e = build(steps, exact, false).estimates;
      const per = (x: number) => (x / n).toLocaleString('en', { maximumFractionDigits: 1 });
      console.log(
        `| ${shape} | ${n.toLocaleString('en')} | ${median(wall).toFixed(0)} ms | ${median(cpu).toFixed(0)} ms | ${machines} | ${payload} | ${per(e.definitionBytes)} | ${per(e.maxHistoryEvents)} | ${per(e.maxTransitions)} |`,
      );
    }
  }
}

function machinesOf(r: ReturnType<typeof compileSource>): string {
  if (!r.ok) return `refused (${[...new Set(r.diagnostics.map((d) => d.code))].join(', ')})`;
  return r.value.parts.length === 0 ? '1' : `1 + ${r.value.parts.length}`;
}

/** The largest payload a run of it could carry (payload.ts) and where. */
function payloadOf(r: ReturnType<typeof compileSource>): string {
  if (!r.ok || !r.value.payload) return '';
  const { total, where } = r.value.payload;
  return `${total.toLocaleString('en')} B (${where.replace(/bench#/, '')})`;
}

/**
 * The largest pipeline of a shape that compiles: the most steps whose pipeline file (flow style)
 * stays within the 256 KiB a pipeline file may have, compiled once.
 */
function largestThatCompiles(shape: string, make: (n: number) => RandomStep[]): string {
  let [lo, hi] = [1, 10_000];
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (Buffer.byteLength(compactYaml(make(mid))) <= MAX_FILE_BYTES) lo = mid;
    else hi = mid - 1;
  }
  const c0 = process.cpuUsage();
  const r = compileSource('.sci/bench.yml', compactYaml(make(lo)));
  const c = process.cpuUsage(c0);
  const largest = r.ok ? Math.max(...r.value.parts.map((p) => p.estimates.definitionBytes)) : 0;
  return `| ${shape} | ${lo.toLocaleString('en')} | ${((c.user + c.system) / 1000).toFixed(0)} ms | ${machinesOf(r)} | ${largest.toLocaleString('en')} B | ${payloadOf(r)} |`;
}

/** The most steps of a shape that still compile into one machine (both quotas enforced): binary search. */
function largestInOneMachine(make: (n: number) => RandomStep[]): number {
  const fits = (n: number) => {
    const r = compileSource('.sci/bench.yml', compactYaml(make(n)));
    return r.ok && r.value.parts.length === 0;
  };
  let [lo, hi] = [1, 1000];
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Where the bytes of a 100-step pipeline go, per step: states grouped by what they are (a step's
 * `X · succeeded`, the shared `ending · write`, the Task itself…), compact JSON with the name.
 */
function bytesByState(): string[] {
  const rows = ['| shape | ASL bytes/step | the largest groups of states (bytes per step) |', '| --- | ---: | --- |'];
  for (const [shape, make] of [
    ['chain', chain],
    ['layered DAG', layered],
  ] as const) {
    const n = 100;
    const definition = build(make(n), exact, false).definition;
    const groups = new Map<string, number>();
    const visit = (states: Record<string, State>) => {
      for (const [name, state] of Object.entries(states)) {
        const cut = name.lastIndexOf(' · ');
        const group =
          cut >= 0
            ? name
                .slice(cut + 3)
                .replace(/ #\d+$/, '')
                .replace(/\bs\d+\b/g, 'X')
            : state.Type === 'Task'
              ? 'Task'
              : state.Type;
        const own = state.Type === 'Parallel' ? { ...state, Branches: [] } : state;
        groups.set(group, (groups.get(group) ?? 0) + Buffer.byteLength(JSON.stringify({ [name]: own })));
        if (state.Type === 'Parallel') for (const b of state.Branches) visit(b.States);
      }
    };
    visit(definition.States);
    const top = [...groups].sort((a, b) => b[1] - a[1]).slice(0, 12);
    const bytes = Buffer.byteLength(JSON.stringify(definition)) / n;
    rows.push(`| ${shape} | ${bytes.toFixed(0)} | ${top.map(([g, b]) => `${g} ${(b / n).toFixed(0)}`).join(', ')} |`);
  }
  return rows;
}

async function run(steps: RandomStep[], layout: Layout, failing?: string) {
  const c = build(steps, layout);
  const byName = new Map(steps.map((s) => [s.name, s]));
  return execute(c.definition, runInput(), c.steps, {
    build: async ({ key }) => {
      await sleep(byName.get(key)!.durationMs);
      if (key === failing) throw new Error('exit 1');
    },
  });
}

async function transitionsTable(): Promise<string[]> {
  const shapes: Array<[string, RandomStep[]]> = [
    ['chain of 10', Array.from({ length: 10 }, (_, i) => step(`s${i}`, i === 0 ? [] : [`s${i - 1}`]))],
    [
      'fan 1 → 8 → 1',
      [
        step('s0', []),
        ...Array.from({ length: 8 }, (_, i) => step(`s${i + 1}`, ['s0'])),
        step(
          's9',
          Array.from({ length: 8 }, (_, i) => `s${i + 1}`),
        ),
      ],
    ],
    [
      'N shapes ×3 (gates)',
      [0, 1, 2].flatMap((k) => [
        step(`a${k}`, []),
        step(`b${k}`, []),
        step(`c${k}`, [`a${k}`]),
        step(`d${k}`, [`a${k}`, `b${k}`]),
      ]),
    ],
  ];
  const rows = [
    '| DAG | steps | state transitions | per step | the first step failing (the rest skipped) | per step |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [name, steps] of shapes) {
    const ok = (await run(steps, exact)).trace.entered.length;
    const failed = (await run(steps, exact, steps[0]!.name)).trace.entered.length;
    const per = (x: number) => (x / steps.length).toFixed(2);
    rows.push(`| ${name} | ${steps.length} | ${ok} | ${per(ok)} | ${failed} | ${per(failed)} |`);
  }
  return rows;
}

/** The makespan a layout allows with zero engine overhead (isolates the layout from the interpreter). */
function simulatedMakespan(steps: RandomStep[], layout: Layout): number {
  const times = simulate(
    layout(plan(dagYaml(steps), '.sci/bench.yml').instances),
    new Map(steps.map((s) => [s.name, s.durationMs])),
  );
  return Math.max(...[...times.values()].map((t) => t.end));
}

async function makespanRatio(steps: RandomStep[], layout: Layout): Promise<number> {
  const out = await run(steps, layout);
  return Math.max(...out.trace.ended.values()) / criticalPath(steps);
}

async function fidelityTable(): Promise<string[]> {
  const rand = prng(7);
  const dags = Array.from({ length: 15 }, () =>
    randomDag(rand, 8 + Math.floor(rand() * 5), { maxDuration: 120 }).map((s) => ({
      ...s,
      fails: false,
      cond: 'default' as const,
      allowFailure: false,
    })),
  );
  const n = [step('a', [], 20), step('b', [], 150), step('c', ['a'], 150), step('d', ['a', 'b'], 20)];
  await run(n, exact); // warm-up
  const rows = [
    '| DAGs | exact layout, executed (median, worst) | naive levels, executed (median, worst) | exact, layout only | naive, layout only |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const [name, set] of [
    ['N shape (a 20 ms → c 150 ms; b 150 ms → d 20 ms)', [n]],
    [`${dags.length} random DAGs of 8-12 steps, 5-120 ms`, dags],
  ] as const) {
    const e: number[] = [];
    const v: number[] = [];
    const se: number[] = [];
    const sv: number[] = [];
    for (const d of set) {
      e.push(await makespanRatio(d, exact));
      v.push(await makespanRatio(d, naive));
      se.push(simulatedMakespan(d, exact) / criticalPath(d));
      sv.push(simulatedMakespan(d, naive) / criticalPath(d));
    }
    const fmt = (xs: number[]) => `${median(xs).toFixed(2)}, ${Math.max(...xs).toFixed(2)}`;
    rows.push(`| ${name} | ${fmt(e)} | ${fmt(v)} | ${fmt(se)} | ${fmt(sv)} |`);
  }
  return rows;
}

const tables = new Set(process.argv.slice(2));
const wanted = (table: string) => tables.size === 0 || tables.has(table);
if (wanted('sizes')) {
  console.log('### Validate + compile\n');
  sizeTable();
}
if (wanted('largest')) {
  console.log(
    `\nLargest pipeline in one machine: a chain of ${largestInOneMachine(chain)} steps, a layered DAG of ${largestInOneMachine(layered)} steps.`,
  );
  console.log('\n### The largest pipeline file that compiles (the 256 KiB a pipeline file may have)\n');
  console.log('| shape | steps | CPU | machines (root + parts) | largest part | largest payload (where) |');
  console.log('| --- | ---: | ---: | ---: | ---: | --- |');
  console.log(largestThatCompiles('chain', chain));
  console.log(largestThatCompiles('layered DAG', layered));
}
if (wanted('bytes')) {
  console.log('\n### Where the bytes go (100 steps)\n');
  console.log(bytesByState().join('\n'));
}
if (wanted('transitions')) {
  console.log('\n### Billed state transitions (every state entered, status writes included)\n');
  console.log((await transitionsTable()).join('\n'));
}
if (wanted('fidelity')) {
  console.log('\n### DAG fidelity: makespan / critical path (1.00 = every step starts the moment its needs end)\n');
  console.log((await fidelityTable()).join('\n'));
}
