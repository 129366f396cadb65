/**
 * Live progress of `sci run`, read from the run store (so it shows exactly what `sci show`
 * would): on a TTY a redrawn block per run with a spinner and running durations; otherwise one
 * plain line per step transition, which suits CI logs and pipes.
 */
import type { Writable } from 'node:stream';
import type { RunStore, RunWithSteps } from '../../core/ports.ts';
import { printable } from './printable.ts';
import { duration, runBlock } from './run-view.ts';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export class Progress {
  private readonly runs: string[] = [];
  private readonly seen = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private drawn = 0;
  private frame = 0;
  private busy = false;
  /** The runs as last read. */
  private last: RunWithSteps[] | undefined;

  constructor(
    private readonly store: RunStore,
    private readonly out: Writable,
    private readonly tty: boolean,
    /** Where each step runs, by `<runId>/<stepKey>` (shown with its `running` line). */
    private readonly where: ReadonlyMap<string, string> = new Map(),
    /**
     * Whether the store may have changed since the last read (local/store/changes.ts): a tick without a
     * change redraws what it read last (the spinner and the running durations move on) or prints nothing.
     */
    private readonly changed: () => boolean = () => true,
  ) {}

  /** Prints a line of its own (above the live block on a terminal). */
  note(text: string): void {
    if (this.tty && this.drawn > 0) {
      this.out.write(`\x1b[${this.drawn}F\x1b[J`);
      this.drawn = 0;
    }
    this.out.write(`${printable(text)}\n`);
  }

  /** Starts showing a run. */
  track(runId: string): void {
    this.runs.push(runId);
    this.start();
  }

  /** Draws the final state and stops polling. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    while (this.busy) await new Promise((r) => setTimeout(r, 20));
    await this.tick(true);
  }

  private start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.tty ? 120 : 250);
  }

  private async tick(final = false): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      // asked first: a write answered during the read is seen at the next tick
      const changed = this.changed() || final || this.last?.length !== this.runs.length;
      if (!changed && !this.tty) return;
      const runs = changed ? await this.read() : (this.last ?? []);
      if (this.tty) this.redraw(runs);
      else this.plain(runs);
    } finally {
      this.busy = false;
    }
  }

  private async read(): Promise<RunWithSteps[]> {
    const runs = await Promise.all(this.runs.map((id) => this.store.getRun(id)));
    this.last = runs.filter((r): r is RunWithSteps => r !== undefined);
    return this.last;
  }

  private redraw(runs: RunWithSteps[]): void {
    this.frame = (this.frame + 1) % SPINNER.length;
    const now = Date.now();
    const lines = runs.flatMap((r) => [...runBlock(r, now, SPINNER[this.frame]), '']);
    const up = this.drawn > 0 ? `\x1b[${this.drawn}F` : '';
    this.out.write(`${up}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
    this.drawn = lines.length;
  }

  private plain(runs: RunWithSteps[]): void {
    for (const { run, steps } of runs) {
      for (const step of steps) {
        const id = `${run.id}/${step.key}`;
        if (this.seen.get(id) === step.status || step.status === 'pending') continue;
        this.seen.set(id, step.status);
        const time = step.endedAt ? ` in ${duration(step.startedAt, step.endedAt)}` : '';
        const reason = step.reason ? ` (${printable(step.reason)})` : '';
        const hint = step.status === 'waiting' ? ` — sci approve ${run.id} '${printable(step.name)}'` : '';
        const where = step.status === 'running' && this.where.has(id) ? ` in ${this.where.get(id)}` : '';
        this.out.write(
          `[${printable(run.pipeline)}] ${printable(step.name)}: ${step.status}${where}${time}${reason}${hint}\n`,
        );
      }
    }
  }
}
