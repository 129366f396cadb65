/**
 * Event values and env values reach the shell as data: an input `a * b` inside `run` is printed
 * as is (no glob, no word split), a `$(...)` in it is never run, and backslashes in `env` values
 * (`C:\temp\x`, `\n`, `\\`) are kept byte for byte, as the compiled ASL passes them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { runsOf, sandbox, sci } from './helpers.ts';

const box = sandbox({
  '.sci/manual.yml': `name: manual
on:
  manual:
    inputs:
      note: { type: string, default: "" }
env:
  WIN: 'C:\\temp\\x'
  ESCAPES: 'a\\nb\\\\c \\$HOME "q" ''s'' \`t\`'
steps:
  echo:
    run:
      - echo "note=[\${{ inputs.note }}]"
      - echo "win=[$WIN]"
      - printf 'esc=[%s]\\n' "$ESCAPES"
`,
  // files a glob of the input would match, were it expanded
  'a-file': 'x\n',
  'b-file': 'x\n',
});
after(() => box.cleanup());

test('an input with *, spaces and $(...) is printed as is; backslashes and quotes in env survive', {
  timeout: 120_000,
}, () => {
  const note = 'a * b  c $(touch pwned) `id` ${HOME}';
  const r = sci(box, 'run', 'manual', '--input', `note=${note}`, '--json', '--no-containers');
  assert.equal(r.code, 0, r.stderr);
  const [run] = runsOf(r.stdout);
  const log = readFileSync(`${box.home}/logs/${run!.id}/echo.log`, 'utf8');
  assert.ok(log.includes(`note=[${note}]`), log);
  assert.ok(log.includes('win=[C:\\temp\\x]'), log);
  assert.ok(log.includes(`esc=[a\\nb\\\\c \\$HOME "q" 's' \`t\`]`), log);
});
