/**
 * Artifacts reach a step through its buildspec's pull phase (runs/<runId>/<need>.zip from the
 * artifact bucket; locally the same commands read the local store), so there is no cap on the
 * number of producers (CodeBuild's secondary sources stop at 12) and a failed producer that kept
 * nothing does not stop an `always()` step from running.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runsOf, type Sandbox, sandbox, sciAsync, step, stepLog, type RunJson } from './helpers.ts';

const FAN = `
steps:
  test:
    matrix: { os: [a, b, c, d], node: [1, 2, 3, 4] }
    run: ['mkdir -p cov', 'echo "\${{ matrix.os }}\${{ matrix.node }}" > cov/\${{ matrix.os }}-\${{ matrix.node }}.txt']
    artifacts: [cov/**]
  report:
    needs: [test]
    run: ['test "$(ls cov | wc -l)" -eq 16', 'cat cov/d-4.txt']
`;
const FAILED_PRODUCER = `
steps:
  build:
    run: [mkdir -p out, exit 3]
    artifacts: [out/**]
  kept:
    run: [mkdir -p logs, echo kept > logs/kept.txt]
    artifacts: [logs/**]
  cleanup:
    needs: [build, kept]
    if: always()
    run: ['grep -q kept logs/kept.txt', 'test ! -e out', 'echo "upstream $SCI_RUN_STATUS"']
`;

/**
 * A sandbox with a TMPDIR of its own: the pull phase's downloads must not stay there, whatever the need kept. One
 * per test, so that the two runs share nothing and run at the same time.
 */
function box(file: string, text: string): Sandbox & { tempEntries(): string[] } {
  const b = sandbox({ [file]: text });
  const tmp = join(b.root, 'tmp');
  mkdirSync(tmp);
  b.env = { TMPDIR: tmp };
  // the temp directory's entries, less what tools cache there for good (tsx's compile cache)
  return { ...b, tempEntries: () => readdirSync(tmp).filter((name) => !name.startsWith('tsx-')) };
}

describe('artifacts', { concurrency: true }, () => {
  test('16 artifact producers fan in to one step: every file arrives (no 12-source cap)', async (t) => {
    const fan = box('.sci/fan.yml', FAN);
    t.after(() => fan.cleanup());
    const r = await sciAsync(fan, 'run', 'fan', '--json');
    assert.equal(r.code, 0, r.stderr);
    const [run] = runsOf(r.stdout) as [RunJson];
    assert.equal(step(run, 'report').status, 'succeeded');
    assert.match(stepLog(fan, run.id, 'report'), /d4/);
    assert.deepEqual(fan.tempEntries(), [], 'the downloads of the pull phase are gone');
  });

  test('an always() step runs after a producer that failed and kept nothing, with the artifacts that exist', async (t) => {
    const failed = box('.sci/failed-producer.yml', FAILED_PRODUCER);
    t.after(() => failed.cleanup());
    const r = await sciAsync(failed, 'run', 'failed-producer', '--json');
    assert.equal(r.code, 1);
    const [run] = runsOf(r.stdout) as [RunJson];
    assert.equal(step(run, 'build').status, 'failed');
    assert.equal(step(run, 'cleanup').status, 'succeeded');
    const log = stepLog(failed, run.id, 'cleanup');
    assert.match(log, /sci: build kept no artifacts/);
    assert.match(log, /upstream failed/);
    assert.deepEqual(
      failed.tempEntries(),
      [],
      'the downloads of the pull phase are gone, and so is the one that found nothing',
    );
  });
});
