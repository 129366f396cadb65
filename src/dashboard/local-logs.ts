/** Step logs of the embedded engine: `<home>/logs/<run>/<step>.log`, already masked by the runner. */
import { open } from 'node:fs/promises';
import { stepLogFile } from '../../local/home.ts';
import type { StepLogs } from './ports.ts';

/** Bytes sent per read; the stream asks again. */
const CHUNK = 256 * 1024;

export class LocalStepLogs implements StepLogs {
  constructor(private readonly home: string) {}

  async read(run: { id: string }, step: { key: string }, from?: string): Promise<{ text: string; next: string }> {
    const offset = Number(from ?? 0);
    const file = await open(stepLogFile(this.home, run.id, step.key)).catch(() => undefined);
    if (!file) return { text: '', next: String(offset) };
    try {
      const buffer = Buffer.alloc(CHUNK);
      const { bytesRead } = await file.read(buffer, 0, CHUNK, offset);
      // whole lines when there are any, so a character is not split across two reads
      const newline = buffer.subarray(0, bytesRead).lastIndexOf(10);
      const end = newline >= 0 ? newline + 1 : bytesRead;
      return { text: buffer.subarray(0, end).toString('utf8'), next: String(offset + end) };
    } finally {
      await file.close();
    }
  }
}
