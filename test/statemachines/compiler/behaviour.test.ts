/**
 * Executes compiled definitions of ≥ 200 seeded random DAGs in aws-local-stepfunctions
 * and checks the format's promises: each step starts when ITS needs have ended (never
 * before, and within scheduling noise after), skip/failure/always rules, SCI_RUN_STATUS,
 * and the execution's final status.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { assertValidAsl } from './asl-valid.ts';
import { compile, envOf, execute, runInput, statusOf } from './harness.ts';
import { dagYaml, expected, prng, randomDag, type RandomStep } from './random-dags.ts';

const DAGS = 200;
/**
 * Scheduling noise allowed between the last need's status write and the step's start, on
 * top of the worst event-loop stall measured during that execution (a stall delays every
 * timer and callback by as much, whatever the layout).
 */
const TOLERANCE_MS = 30;
/** Executions of one DAG while it is only late: a layout that waits for the wrong step is late every time. */
const ATTEMPTS = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runDag(steps: RandomStep[], seed: number) {
  const compiled = compile(dagYaml(steps), { file: '.sci/random.yml' });
  assertValidAsl(compiled.json);
  const byName = new Map(steps.map((s) => [s.name, s]));
  const seenRunStatus = new Map<string, string>();
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  const out = await execute(compiled.definition, runInput({ id: `r${seed}` }), compiled.steps, {
    build: async (call) => {
      const { key } = call;
      // Absent: the run context's text sets `succeeded` (held under bash and dash in scenarios.test.ts).
      seenRunStatus.set(key, envOf(call).SCI_RUN_STATUS ?? 'succeeded');
      const s = byName.get(key)!;
      await sleep(s.durationMs);
      if (s.fails) throw Object.assign(new Error('exit 1'), { name: 'sci.BuildFailed' });
    },
  }).finally(() => lag.disable());
  const gated = Object.values(compiled.definition.States).some((st) => JSON.stringify(st).includes('GATE#'));
  return { out, seenRunStatus, gated, stallMs: lag.max / 1e6 };
}

describe('compiled DAGs executed locally', () => {
  it(`schedule exactly and follow the status rules (${DAGS} random DAGs)`, async () => {
    const rand = prng(20261127);
    await runDag(randomDag(rand, 4), 0); // warm-up: the first execution pays for JIT
    let maxLate = 0;
    let gatedDags = 0;
    let reruns = 0;
    const cases = Array.from({ length: DAGS }, () => randomDag(rand, 2 + Math.floor(rand() * 9)));
    for (let id = 0; id < DAGS; id++) {
      const steps = cases[id]!;
      const want = expected(steps);
      const where = `DAG #${id}: ${JSON.stringify(steps.map((s) => [s.name, s.needs, s.cond, s.allowFailure, s.fails]))}`;
      // Statuses are deterministic and checked on every attempt, and a start BEFORE the needs
      // ended fails at once. A start later than the tolerance (plus the measured stall) is
      // re-run, up to ATTEMPTS times: a layout that waits for the wrong step does so every
      // time, the noise of a loaded 2-core machine does not.
      let late = '';
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const { out, seenRunStatus, gated, stallMs } = await runDag(steps, id);
        const tolerance = TOLERANCE_MS + stallMs;
        if (attempt === 0 && gated) gatedDags++;
        assert.equal(out.status, want.execution, where);
        late = '';
        for (const s of steps) {
          assert.equal(statusOf(out, s.name, `r${id}`), want.status.get(s.name), `${s.name} status, ${where}`);
          if (want.status.get(s.name) !== 'skipped')
            assert.equal(seenRunStatus.get(s.name), want.runStatus.get(s.name), `${s.name} SCI_RUN_STATUS, ${where}`);
          const started = out.trace.started.get(s.name);
          assert.ok(started !== undefined, `${s.name} never started, ${where}`);
          if (s.needs.length === 0) continue;
          const ready = Math.max(...s.needs.map((n) => out.trace.ended.get(n)!));
          assert.ok(started >= ready, `${s.name} started ${ready - started} ms before its needs ended, ${where}`);
          if (started - ready > tolerance)
            late ||= `${s.name} started ${(started - ready).toFixed(1)} ms after its needs ended (tolerance ${tolerance.toFixed(1)} ms), ${where}`;
          else maxLate = Math.max(maxLate, started - ready);
        }
        if (!late) break;
        reruns++;
      }
      assert.equal(late, '', late);
    }
    // The random DAGs must exercise the gates (non-series-parallel shapes), not only nesting.
    assert.ok(gatedDags >= 20, `only ${gatedDags} DAGs needed a gate`);
    process.stdout.write(
      `# ${gatedDags} DAGs with gates; max start latency within tolerance: ${maxLate.toFixed(1)} ms; timing re-runs: ${reruns}\n`,
    );
  });
});
