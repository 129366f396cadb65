/**
 * The deliveries `sci serve` answered 202 and has not dispatched yet, one file each under
 * `<home>/deliveries/`: written before the answer, removed once dispatched. So a `sci serve` that
 * stops (a second Ctrl-C, a crash, kill -9) loses none: the next start dispatches what is left, in
 * the order it arrived. Dispatching one twice is harmless (run ids derive from the delivery id).
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { QueuedDelivery } from '../core/ports.ts';

const SUFFIX = '.json';

export interface Spooled {
  file: string;
  delivery: QueuedDelivery;
}

export class DeliverySpool {
  private sequence = 0;

  constructor(readonly dir: string) {}

  /** Keeps `delivery` on disk (whole or not at all: written aside, then renamed). */
  async put(delivery: QueuedDelivery): Promise<Spooled> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    // arrival order across restarts: the time, then this process's sequence
    const order = `${String(Date.now()).padStart(15, '0')}-${String(this.sequence++).padStart(9, '0')}`;
    const file = join(this.dir, `${order}-${delivery.deliveryId.replace(/[^\w.-]/g, '_').slice(0, 80)}${SUFFIX}`);
    await writeFile(`${file}.part`, JSON.stringify(delivery), { mode: 0o600 });
    await rename(`${file}.part`, file);
    return { file, delivery };
  }

  async remove(spooled: Spooled): Promise<void> {
    await rm(spooled.file, { force: true });
  }

  /**
   * What an earlier `sci serve` left, oldest first. A `.part` was never answered 202 (the answer
   * follows the rename) and goes; a file that is not a delivery is set aside as `.bad`, never lost.
   */
  async left(): Promise<{ spooled: Spooled[]; unreadable: string[] }> {
    const names = (await readdir(this.dir).catch(() => [] as string[])).sort();
    const spooled: Spooled[] = [];
    const unreadable: string[] = [];
    for (const name of names) {
      const file = join(this.dir, name);
      if (name.endsWith(`${SUFFIX}.part`)) await rm(file, { force: true });
      if (!name.endsWith(SUFFIX)) continue;
      const delivery = parseDelivery(await readFile(file, 'utf8').catch(() => ''));
      if (delivery) spooled.push({ file, delivery });
      else {
        unreadable.push(`${file}.bad`);
        await rename(file, `${file}.bad`);
      }
    }
    return { spooled, unreadable };
  }
}

function parseDelivery(text: string): QueuedDelivery | undefined {
  try {
    const d = JSON.parse(text) as Partial<QueuedDelivery>;
    const strings = [d.hookId, d.deliveryId, d.event, d.receivedAt].every((v) => typeof v === 'string');
    return strings && typeof d.payload === 'object' && d.payload !== null ? (d as QueuedDelivery) : undefined;
  } catch {
    return undefined;
  }
}
