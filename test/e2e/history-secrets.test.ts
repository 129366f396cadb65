/** History commands and secrets: resolved locally, masked in logs, missing = a clear failure. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runsOf, sandbox, sci, step, stepLog, type RunJson } from './helpers.ts';

const box = sandbox({
  '.sci/secret.yml': `
steps:
  use:
    secrets: { API_TOKEN: "secretsmanager:ci/api-token", DB_PASS: "ssm:/ci/db-pass" }
    run: ['echo "token is $API_TOKEN"', 'echo "pass is $DB_PASS"', 'test "$API_TOKEN" = s3cr3t-t0ken']
`,
});
test.after(() => box.cleanup());

test('a missing secret fails the step with a reason naming how to set it', () => {
  const r = sci(box, 'run', '--json');
  assert.equal(r.code, 1);
  const [run] = runsOf(r.stdout) as [RunJson];
  assert.equal(step(run, 'use').status, 'failed');
  assert.match(stepLog(box, run.id, 'use'), /SCI_SECRET_API_TOKEN/);
});

test('secrets come from SCI_SECRET_<NAME> or a file under SCI_HOME/secrets and are masked in logs', () => {
  mkdirSync(join(box.home, 'secrets', 'ci'), { recursive: true });
  writeFileSync(join(box.home, 'secrets', 'ci', 'db-pass'), 'hunter2-pass\n');
  const r = sci({ ...box, env: { SCI_SECRET_API_TOKEN: 's3cr3t-t0ken' } }, 'run', '--json');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const [run] = runsOf(r.stdout) as [RunJson];
  const log = stepLog(box, run.id, 'use');
  assert.match(log, /token is \*\*\*/);
  assert.match(log, /pass is \*\*\*/);
  assert.doesNotMatch(log, /s3cr3t|hunter2/);
});

test('runs lists newest first; show prints one run; unknown ids exit 1', () => {
  const listing = sci(box, 'runs');
  assert.equal(listing.code, 0);
  const lines = listing.stdout.trim().split('\n');
  assert.match(lines[0]!, /^RUN\s+PIPELINE\s+STATUS/);
  assert.match(lines[1]!, /secret\s+succeeded/);
  assert.match(lines[2]!, /secret\s+failed/);
  const id = lines[1]!.split(/\s+/)[0]!;
  const shown = sci(box, 'show', id);
  assert.match(shown.stdout, /✓ use/);
  assert.equal(sci(box, 'show', 'NOPE').code, 1);
  assert.equal(sci(box, 'logs', id, 'nope').code, 1);
});
