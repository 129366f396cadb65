/**
 * A step's output: merged stdout/stderr, split into lines, secrets masked as `***`, appended
 * to the step's log file and handed to a listener (live progress, `sci logs --follow`).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { appendFile, mkdir, stat, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * The part of `secret`'s base64 that is the same wherever the secret sits in an encoded stream:
 * for each of the three byte alignments, the characters that hold only the secret's bits.
 */
function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret);
  return [0, 1, 2].flatMap((offset) => {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    const skip = [0, 2, 3][offset]!;
    const end = (bytes.length + offset) % 3 === 0 ? encoded.length : encoded.length - 1;
    const core = encoded.slice(skip, end);
    // the URL-safe alphabet (JWTs, signed URLs) encodes the same bits
    return [core, core.replace(/\+/g, '-').replace(/\//g, '_')];
  });
}

/** The forms a secret may be printed in: as is, each line of a multi-line one, base64, URL-encoded. */
function secretForms(secret: string): string[] {
  const lines = secret.split('\n').map((s) => s.trim());
  const encoded = [encodeURIComponent(secret), encodeURIComponent(secret).replace(/%20/g, '+')];
  return [secret.trim(), ...lines, ...encoded, ...(secret.length >= 6 ? base64Forms(secret) : [])];
}

/**
 * Replaces every occurrence of each secret value with `***`, in every form of `secretForms`.
 * Lines are masked whole before a long one is cut, so a cut never splits a secret in two.
 */
export function masker(secrets: string[]): (line: string) => string {
  const needles = [...new Set(secrets.flatMap(secretForms).filter((s) => s.length >= 3))]
    // longest first, so a value that contains another is masked whole
    .sort((a, b) => b.length - a.length);
  return (line) => needles.reduce((text, needle) => text.split(needle).join('***'), line);
}

/** The longest line kept whole (characters); a longer one is cut into lines of this length. */
export const MAX_LINE = 64 * 1024;

/**
 * What a terminal would show of `text` after its carriage returns: the last non-empty segment.
 * For an unfinished line (`open`), a trailing `\r` is kept so that a `\r\n` split across two
 * chunks still ends the line with the text before it.
 */
export function overwrite(text: string, open = false): string {
  if (!text.includes('\r')) return text;
  const segments = text.split('\r');
  const last = segments.at(-1) as string;
  if (last !== '') return last;
  const shown = segments.findLast((segment) => segment !== '') ?? '';
  return open ? `${shown}\r` : shown;
}

export class LogSink {
  private mask: (line: string) => string = (line) => line;
  /** Why the file can no longer be written (a full disk); lines then go to the listener only. */
  private failure: Error | undefined;
  /** The runner's notes since the file failed, appended when it closes (the disk has room again by then). */
  private readonly lateNotes: string[] = [];
  private constructor(
    private readonly path: string,
    private readonly file: WriteStream,
    private readonly listener: (line: string) => void,
    onFailure: (error: Error) => void,
  ) {
    file.on('error', (error) => {
      if (this.failure) return;
      this.failure = error;
      onFailure(error);
    });
  }

  /**
   * Opens `path` for appending (one file per step, attempts follow each other). A write that
   * fails (a full disk) calls `onFailure` once and is never retried; the listener still gets every line.
   */
  static async open(
    path: string,
    listener: (line: string) => void,
    onFailure: (error: Error) => void = () => undefined,
  ): Promise<LogSink> {
    await mkdir(dirname(path), { recursive: true });
    return new LogSink(path, createWriteStream(path, { flags: 'a' }), listener, onFailure);
  }

  /** Masks these values from now on (secrets are known only once resolved, before any command runs). */
  maskValues(secrets: string[]): void {
    this.mask = masker(secrets);
  }

  /** Writes one line of the runner's own (already safe) text. */
  note(line: string): void {
    this.emit(`[sci] ${line}`);
    if (this.failure) this.lateNotes.push(this.mask(`[sci] ${line}`));
  }

  /**
   * Consumes a stream line by line until it ends, in time linear in its size: a line is at most
   * {@link MAX_LINE} characters (longer ones are cut into pieces), and a carriage return
   * rewrites the line as a terminal would, so a progress bar leaves its last state only.
   */
  pipe(stream: Readable): Promise<void> {
    let partial = '';
    stream.setEncoding('utf8');
    return new Promise((resolve) => {
      stream.on('data', (chunk: string) => {
        let start = 0;
        for (let end = chunk.indexOf('\n'); end >= 0; end = chunk.indexOf('\n', start)) {
          this.emitCut(overwrite(partial + chunk.slice(start, end)));
          partial = '';
          start = end + 1;
        }
        partial = overwrite(partial + chunk.slice(start), true);
        if (partial.length > MAX_LINE) partial = this.emitCut(partial, true);
      });
      stream.on('close', () => {
        if (overwrite(partial)) this.emitCut(overwrite(partial));
        resolve();
      });
    });
  }

  /** Emits `line` in pieces of at most MAX_LINE; with `open`, keeps and returns the last short piece. */
  private emitCut(line: string, open = false): string {
    let rest = this.mask(line);
    while (rest.length > MAX_LINE) {
      this.emit(`${rest.slice(0, MAX_LINE)} [line cut at ${MAX_LINE} characters]`);
      rest = rest.slice(MAX_LINE);
    }
    if (open) return rest;
    this.emit(rest);
    return '';
  }

  /** Ends the file; never rejects. A file that failed gets the runner's later notes (why the step failed). */
  close(): Promise<void> {
    if (this.failure) return this.appendLateNotes();
    if (this.file.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.file.once('error', () => resolve());
      this.file.end(() => resolve());
    });
  }

  /**
   * Appends the notes written since the file failed, once the build is over and its workspace is
   * gone. When the disk is still full, the log's last {@link MAX_LINE} bytes make the room: a log
   * that filled the disk ends with why its step failed rather than with more of the same output.
   */
  private async appendLateNotes(): Promise<void> {
    const text = `\n[sci] the log was cut here: ${this.failure?.message ?? 'it could not be written'}\n${this.lateNotes.map((l) => `${l}\n`).join('')}`;
    try {
      await appendFile(this.path, text);
    } catch {
      try {
        const { size } = await stat(this.path);
        await truncate(this.path, Math.max(0, size - MAX_LINE - text.length));
        await appendFile(this.path, text);
      } catch {
        // nothing more can be done for a log on a disk that stays full
      }
    }
  }

  private emit(raw: string): void {
    const line = this.mask(raw);
    if (!this.failure && !this.file.destroyed) this.file.write(`${line}\n`);
    this.listener(line);
  }
}
