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
import { sandbox, sharedRun, step, stepLog } from './helpers.ts';

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
 * One sandbox with a TMPDIR of its own: the pull phase's downloads must not stay there, whatever the need kept. Both
 * pipelines' runs come from one `sci run` (exit 1: `failed-producer` fails), each test asserting its own run and that
 * nothing of either is left in TMPDIR.
 */
const box = sandbox({ '.sci/fan.yml': FAN, '.sci/failed-producer.yml': FAILED_PRODUCER });
const tmp = join(box.root, 'tmp');
mkdirSync(tmp);
box.env = { TMPDIR: tmp };
test.after(() => box.cleanup());
/** The temp directory's entries, less what tools cache there for good (tsx's compile cache). */
const tempEntries = () => readdirSync(tmp).filter((name) => !name.startsWith('tsx-'));
const runOf = sharedRun(box, 'fan', 'failed-producer');

describe('artifacts', { concurrency: true }, () => {
  test('16 artifact producers fan in to one step: every file arrives (no 12-source cap)', async () => {
    const { run, stderr } = await runOf('fan');
    assert.equal(run.status, 'succeeded', stderr);
    assert.equal(step(run, 'report').status, 'succeeded');
    assert.match(stepLog(box, run.id, 'report'), /d4/);
    assert.deepEqual(tempEntries(), [], 'the downloads of the pull phase are gone');
  });

  test('an always() step runs after a producer that failed and kept nothing, with the artifacts that exist', async () => {
    const { run, code } = await runOf('failed-producer');
    assert.equal(code, 1);
    assert.equal(step(run, 'build').status, 'failed');
    assert.equal(step(run, 'cleanup').status, 'succeeded');
    const log = stepLog(box, run.id, 'cleanup');
    assert.match(log, /sci: build kept no artifacts/);
    assert.match(log, /upstream failed/);
    assert.deepEqual(
      tempEntries(),
      [],
      'the downloads of the pull phase are gone, and so is the one that found nothing',
    );
  });
});
