/**
 * The behaviour test's check of random DAGs (behaviour.test.ts): each executed in aws-local-stepfunctions, its
 * statuses, SCI_RUN_STATUS and start times held against what the pipeline format promises.
 */
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { assertValidAsl } from './asl-valid.ts';
import { compile, envOf, execute, runInput, statusOf } from './harness.ts';
import type { CompiledPipeline } from '../../../statemachines/compiler/compile.ts';
import { dagYaml, expected, type RandomStep } from './random-dags.ts';

/**
 * Scheduling noise allowed between the last need's status write and the step's start, on
 * top of the worst event-loop stall measured during that execution (a stall delays every
 * timer and callback by as much, whatever the layout).
 */
const TOLERANCE_MS = 30;
/** Executions of one DAG while it is only late: a layout that waits for the wrong step is late every time. */
const ATTEMPTS = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `steps` compiled, the definition validated by asl-validator. */
function compileDag(steps: RandomStep[]): CompiledPipeline {
  const compiled = compile(dagYaml(steps), { file: '.sci/random.yml' });
  assertValidAsl(compiled.json);
  return compiled;
}

async function runDag(steps: RandomStep[], compiled: CompiledPipeline, seed: number) {
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

export interface DagsChecked {
  /** The DAGs whose layout needed a gate (a non-series-parallel shape). */
  gatedDags: number;
  /** The latest start after its needs ended, of those within tolerance. */
  maxLate: number;
  /** Executions run again because a start was late. */
  reruns: number;
}

/**
 * Executes `warmUp` once (the first execution pays for JIT), then checks each DAG of `dags` ([id, steps]), `lanes`
 * of them at a time. Every DAG is compiled (and validated) before the first execution, so that no compile runs
 * while a DAG is timed; what runs beside an execution is the other lanes' executions, whose stalls of the event
 * loop are measured with its own.
 */
export async function checkDags(
  warmUp: RandomStep[],
  dags: Array<[number, RandomStep[]]>,
  lanes = 1,
): Promise<DagsChecked> {
  const compiled = new Map(dags.map(([id, steps]) => [id, compileDag(steps)]));
  await runDag(warmUp, compileDag(warmUp), 0);
  let maxLate = 0;
  let gatedDags = 0;
  let reruns = 0;
  const queue = [...dags];
  let failed = false;
  const lane = async () => {
    for (let next = queue.shift(); next && !failed; next = queue.shift()) {
      const [id, steps] = next;
      const want = expected(steps);
      const where = `DAG #${id}: ${JSON.stringify(steps.map((s) => [s.name, s.needs, s.cond, s.allowFailure, s.fails]))}`;
      // Statuses are deterministic and checked on every attempt, and a start BEFORE the needs
      // ended fails at once. A start later than the tolerance (plus the measured stall) is
      // re-run, up to ATTEMPTS times: a layout that waits for the wrong step does so every
      // time, the noise of a loaded 2-core machine does not.
      let late = '';
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const { out, seenRunStatus, gated, stallMs } = await runDag(steps, compiled.get(id)!, id);
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
  };
  // a failure stops every lane before its next DAG; the first one is the verdict
  const ended = await Promise.allSettled(
    Array.from({ length: lanes }, () =>
      lane().catch((error: unknown) => {
        failed = true;
        throw error;
      }),
    ),
  );
  const failure = ended.find((e) => e.status === 'rejected');
  if (failure) throw failure.reason;
  return { gatedDags, maxLate, reruns };
}
