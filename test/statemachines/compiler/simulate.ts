/**
 * Replays a DAG layout with given durations and zero engine overhead: sequences add up,
 * Parallels wait for their slowest branch, a gated step also waits for its gate needs
 * (relaxed to a fixpoint; the DAG is acyclic). Shows what the layout itself allows.
 */
import type { Block, DagLayout } from '../../../statemachines/compiler/dag.ts';

export function simulate(
  layout: DagLayout,
  duration: ReadonlyMap<string, number>,
): Map<string, { start: number; end: number }> {
  const times = new Map<string, { start: number; end: number }>();
  let changed = true;
  const finish = (b: Block, start: number): number => {
    if (b.kind === 'seq') return b.items.reduce((t, item) => finish(item, t), start);
    if (b.kind === 'par') return Math.max(...b.branches.map((x) => finish(x, start)));
    const begin = Math.max(start, ...(layout.gates.get(b.key) ?? []).map((n) => times.get(n)?.end ?? 0));
    if (times.get(b.key)?.start !== begin) changed = true;
    times.set(b.key, { start: begin, end: begin + duration.get(b.key)! });
    return begin + duration.get(b.key)!;
  };
  // Each pass settles at least one more gate (the DAG is acyclic), so this ends.
  for (let pass = 0; changed && pass <= duration.size; pass++) {
    changed = false;
    finish(layout.root, 0);
  }
  return times;
}
