/**
 * Event values reach the terminal only escaped: a real git repository whose commit message holds
 * ANSI sequences (window title, clear screen, clipboard write), a carriage return and a bell; a
 * manual input and a matrix value holding the same. A step prints them and fails; `sci run`, its
 * log tail, `sci show` and `sci runs` then print them as visible escapes, never raw. Colours pass
 * in a build's output (they only paint text).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { printable, printableOutput } from '../../src/cli/output/printable.ts';
import { runsOf, sandbox, sci, type Result } from './helpers.ts';

// (a build log keeps what follows the last `\r` of a line, as a terminal shows it: `fix` goes)
const HOSTILE = 'fix\rforged \x1b]0;owned\x07\x1b[2J\x1b]52;c;cHduZWQ=\x07\x9b31m \x1b[31mred\x1b[0m';

const box = sandbox({});
execFileSync('git', ['-C', box.repo, 'config', 'user.name', 'sci test']);
execFileSync('git', ['-C', box.repo, 'config', 'user.email', 'test@sci.local']);
const write = (path: string, text: string) => execFileSync('tee', [`${box.repo}/${path}`], { input: text });
execFileSync('mkdir', ['-p', `${box.repo}/.sci`]);
write(
  '.sci/show.yml',
  `on:
  manual:
    inputs:
      note: { type: string, default: none }
steps:
  show:
    matrix: { tag: ["\\e]0;matrix\\a\\e[2J"] }
    env: { REPO: "${box.repo}" }
    run: ['git -C "$REPO" log -1 --format=%B', 'printf "%s\\n" "$SCI_INPUT_NOTE"', 'exit 1']
`,
);
execFileSync('git', ['-C', box.repo, 'add', '-A']);
execFileSync('git', ['-C', box.repo, 'commit', '-q', '-m', HOSTILE]);
test.after(() => box.cleanup());

/** No control character but a newline, outside colour sequences. */
function assertNoRawControls(out: Result | string, what: string): void {
  const text = typeof out === 'string' ? out : out.stdout + out.stderr;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  const raw = text.replace(/\x1b\[[0-9;]*m/g, '').match(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  assert.equal(
    raw,
    null,
    `${what} printed a raw control character ${JSON.stringify(raw?.[0])}: ${JSON.stringify(text)}`,
  );
}

test('printable escapes every control character; printableOutput keeps colours only', () => {
  assert.equal(printable('a\x1b]0;t\x07\r\nb\tc'), 'a\\x1b]0;t\\x07\\r\\nb\tc');
  assert.equal(printable('\x9b2J\x7f'), '\\x9b2J\\x7f');
  assert.equal(
    printableOutput('\x1b[1;31mred\x1b[0m \x1b[2J\x1b]52;c;x\x07'),
    '\x1b[1;31mred\x1b[0m \\x1b[2J\\x1b]52;c;x\\x07',
  );
});

test('a hostile commit message, input and matrix value are escaped by sci run, show and runs', {
  timeout: 120_000,
}, () => {
  const r = sci(box, 'run', 'show', '--no-containers', '--input', `note=${HOSTILE}`);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assertNoRawControls(r, 'sci run');
  // the log tail shows the commit message and the input, escaped, their colour kept
  const escaped =
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the colour sequences pass as they are
    /^forged \\x1b\]0;owned\\x07\\x1b\[2J\\x1b\]52;c;cHduZWQ=\\x07(\\x9b|\ufffd)31m \x1b\[31mred\x1b\[0m$/gm;
  assert.equal(r.stdout.match(escaped)?.length, 2, 'the commit message and the input, each on its line');
  // the matrix value in the step's name
  assert.match(r.stdout, /show \(tag=\\x1b\]0;matrix\\x07\\x1b\[2J\)/);
  const id = /sci show (\S+)/.exec(r.stdout)?.[1] as string;
  const shown = sci(box, 'show', id);
  assert.equal(shown.code, 0, shown.stderr);
  assertNoRawControls(shown, 'sci show');
  assert.match(shown.stdout, /show \(tag=\\x1b\]0;matrix\\x07\\x1b\[2J\)/);
  assertNoRawControls(sci(box, 'runs'), 'sci runs');
  // JSON keeps the value itself (escaped by JSON)
  const [run] = runsOf(sci(box, 'show', id, '--json').stdout);
  assert.equal(run?.steps[0]?.name, 'show (tag=\x1b]0;matrix\x07\x1b[2J)');
});
