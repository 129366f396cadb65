/**
 * Executes compiled definitions of ≥ 200 seeded random DAGs in aws-local-stepfunctions
 * and checks the format's promises: each step starts when ITS needs have ended (never
 * before, and within scheduling noise after), skip/failure/always rules, SCI_RUN_STATUS,
 * and the execution's final status (behaviour-dags.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkDags } from './behaviour-dags.ts';
import { prng, randomDag, type RandomStep } from './random-dags.ts';

const DAGS = 200;
/**
 * DAGs executed at a time: an execution's time is mostly its builds' sleeps (5–40 ms each, which carry the timing
 * check), and two at a time keep them; each execution's tolerance counts the event-loop stall measured while it
 * ran, the other's work included (docs/testing.md, "Session 8, waits").
 */
const LANES = 2;

describe('compiled DAGs executed locally', () => {
  it(`schedule exactly and follow the status rules (${DAGS} random DAGs)`, async () => {
    const rand = prng(20261127);
    const warmUp = randomDag(rand, 4); // the first execution pays for JIT
    const cases = Array.from({ length: DAGS }, (_, id): [number, RandomStep[]] => [
      id,
      randomDag(rand, 2 + Math.floor(rand() * 9)),
    ]);
    const { gatedDags, maxLate, reruns } = await checkDags(warmUp, cases, LANES);
    // The random DAGs must exercise the gates (non-series-parallel shapes), not only nesting.
    assert.ok(gatedDags >= 20, `only ${gatedDags} DAGs needed a gate`);
    process.stdout.write(
      `# ${gatedDags} DAGs with gates; max start latency within tolerance: ${maxLate.toFixed(1)} ms; timing re-runs: ${reruns}\n`,
    );
  });
});
