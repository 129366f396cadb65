import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { LogSink, masker, MAX_LINE, overwrite } from '../../../local/build-runner/log-sink.ts';

async function pipeThrough(chunks: Iterable<string>): Promise<{ lines: string[]; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sci-log-'));
  try {
    const lines: string[] = [];
    const sink = await LogSink.open(join(dir, 'log'), (line) => lines.push(line));
    await sink.pipe(Readable.from(chunks, { objectMode: false }));
    await sink.close();
    return { lines, file: readFileSync(join(dir, 'log'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function* repeated(chunk: string, count: number): Generator<string> {
  for (let i = 0; i < count; i++) yield chunk;
}

describe('step log lines', () => {
  it('keeps what a terminal shows of carriage returns, across chunk boundaries and \\r\\n', async () => {
    const { lines } = await pipeThrough(['10%\r20', '%\r30%\r', '\ndone\r\n', 'a\rb\nlast']);
    assert.deepEqual(lines, ['30%', 'done', 'b', 'last']);
    assert.equal(overwrite('x\r\r'), 'x');
  });

  it('cuts a line longer than the limit into marked pieces', async () => {
    const { lines } = await pipeThrough([`${'x'.repeat(MAX_LINE * 2 + 5)}\nnext\n`]);
    assert.deepEqual(
      lines.map((l) => l.length),
      [
        MAX_LINE + ` [line cut at ${MAX_LINE} characters]`.length,
        MAX_LINE + ` [line cut at ${MAX_LINE} characters]`.length,
        5,
        4,
      ],
    );
  });

  // Re-splitting an ever-growing buffer made this quadratic: 200 MB took minutes and gigabytes.
  it('reads 32 MB of output without a newline, and 32 MB of a progress bar, in linear time', async () => {
    const chunk = 'y'.repeat(64 * 1024);
    const started = Date.now();
    const long = await pipeThrough(repeated(chunk, 512));
    assert.equal(long.lines.length, 512);
    const bar = await pipeThrough(repeated(`${'#'.repeat(64 * 1024 - 6)} 100%\r`, 512));
    assert.deepEqual(bar.lines, [`${'#'.repeat(64 * 1024 - 6)} 100%`]);
    // generous for a loaded machine; the quadratic version needs minutes
    assert.ok(Date.now() - started < 60_000, `${Date.now() - started} ms`);
  });
});

describe('secret masking', () => {
  const secret = 'p@ss w0rd/+tok3n?&=';
  const mask = masker([secret]);
  for (const [form, printed] of [
    ['as is', `token ${secret} end`],
    ['base64', `Authorization: Basic ${Buffer.from(secret).toString('base64')}`],
    ['base64 inside user:secret (offset 1)', Buffer.from(`u:${secret}`).toString('base64')],
    ['base64 inside user:secret (offset 2)', Buffer.from(`us:${secret}`).toString('base64')],
    ['base64 inside user:secret (offset 0)', Buffer.from(`use:${secret}`).toString('base64')],
    ['base64url', Buffer.from(`x${secret}`).toString('base64url')],
    ['URL-encoded', `https://h/?t=${encodeURIComponent(secret)}`],
    ['form-encoded', `t=${encodeURIComponent(secret).replace(/%20/g, '+')}`],
  ] as const) {
    it(`masks the secret ${form}`, () => {
      const masked = mask(printed);
      assert.match(masked, /\*\*\*/);
      for (const core of [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64').slice(4, 16)])
        assert.ok(!masked.includes(core), masked);
    });
  }

  it('masks a secret that a long line cut would split', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sci-log-'));
    try {
      const lines: string[] = [];
      const sink = await LogSink.open(join(dir, 'log'), (line) => lines.push(line));
      sink.maskValues([secret]);
      await sink.pipe(Readable.from([`${'x'.repeat(MAX_LINE - 5)}${secret}\n`]));
      await sink.close();
      assert.ok(!lines.join('').includes(secret.slice(5)), 'no part of the secret after the cut');
      assert.ok(!lines.join('').includes(`${secret.slice(0, 5)} [line cut`), 'nor before it');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
