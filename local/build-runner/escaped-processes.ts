/**
 * The fallback for systems without PID namespaces: every process a step starts inherits a
 * marker variable, so once the step's shell exits, the processes that escaped its group
 * (`setsid cmd &`, a daemonising server) are found in /proc by that marker and killed.
 * A process that scrubs its own environment escapes this; the namespaces of isolation.ts don't.
 */
import { readdir, readFile } from 'node:fs/promises';

/** The variable that marks a step's processes (its value is unique per build). */
export const MARKER_VARIABLE = 'SCI_BUILD_MARKER';

/** SIGKILLs every process whose environment holds `MARKER_VARIABLE=<marker>`; returns how many. */
export async function killMarked(marker: string): Promise<number> {
  const needle = Buffer.from(`\0${MARKER_VARIABLE}=${marker}\0`);
  const pids = (await readdir('/proc').catch(() => [])).filter(
    (name) => /^\d+$/.test(name) && Number(name) !== process.pid,
  );
  let killed = 0;
  for (const pid of pids) {
    const environ = await readFile(`/proc/${pid}/environ`).catch(() => undefined);
    if (!environ || !Buffer.concat([Buffer.from([0]), environ]).includes(needle)) continue;
    try {
      process.kill(Number(pid), 'SIGKILL');
      killed += 1;
    } catch {
      // gone already, or not ours
    }
  }
  return killed;
}
