/**
 * Whether the run store may have changed since a poller last read it. The process that serves the
 * store answers every write, whoever sends it (local/store/dynalite.ts counts them), so while it serves,
 * its pollers (a cancel request, an approval's decision, `sci run`'s progress) read only after a write
 * instead of at every tick: about 13 ms of CPU per read saved while a step just runs. A process that
 * does not serve the store cannot know, and reads every time.
 */

/** How many writes the store's server in this process has answered; undefined while another process serves it. */
export type StoreWrites = () => number | undefined;

/** A store known to no one: every poll reads. */
export const unknownWrites: StoreWrites = () => undefined;

/**
 * One poller's view: `changed()` is true when a write was answered since the last time it said true (or
 * when that is unknown). Call it before reading: a write answered during the read says true next time.
 */
export function changeWatch(writes: StoreWrites): () => boolean {
  let seen: number | undefined;
  return () => {
    const now = writes();
    if (now !== undefined && now === seen) return false;
    seen = now;
    return true;
  };
}
