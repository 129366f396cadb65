/**
 * A step's output: merged stdout/stderr, split into lines, secrets masked as `***`, appended
 * to the step's log file and handed to a listener (live progress, `sci logs --follow`).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';

/** Replaces every occurrence of each secret value (and each line of a multi-line one) with `***`. */
export function masker(secrets: string[]): (line: string) => string {
  const needles = [...new Set(secrets.flatMap((s) => [s, ...s.split('\n')]).map((s) => s.trim()).filter((s) => s.length >= 3))]
    // longest first, so a value that contains another is masked whole
    .sort((a, b) => b.length - a.length);
  return (line) => needles.reduce((text, needle) => text.split(needle).join('***'), line);
}

export class LogSink {
  private mask: (line: string) => string = (line) => line;
  private constructor(
    private readonly file: WriteStream,
    private readonly listener: (line: string) => void,
  ) {}

  /** Opens `path` for appending (one file per step, attempts follow each other). */
  static async open(path: string, listener: (line: string) => void): Promise<LogSink> {
    await mkdir(dirname(path), { recursive: true });
    return new LogSink(createWriteStream(path, { flags: 'a' }), listener);
  }

  /** Masks these values from now on (secrets are known only once resolved, before any command runs). */
  maskValues(secrets: string[]): void {
    this.mask = masker(secrets);
  }

  /** Writes one line of the runner's own (already safe) text. */
  note(line: string): void {
    this.emit(`[sci] ${line}`);
  }

  /** Consumes a stream line by line until it ends. */
  pipe(stream: Readable): Promise<void> {
    let partial = '';
    stream.setEncoding('utf8');
    return new Promise((resolve) => {
      stream.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) this.emit(line);
      });
      stream.on('close', () => {
        if (partial) this.emit(partial);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.file.end(resolve));
  }

  private emit(raw: string): void {
    const line = this.mask(raw);
    this.file.write(`${line}\n`);
    this.listener(line);
  }
}
