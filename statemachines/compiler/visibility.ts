/**
 * Where each step's record (`{ status, chain, outputs }`) can be read at each point of the
 * definition. A step reads what ran before it in its own branch at `$.steps.<key>`, what a
 * gate brought it (`gatePath`), and, after a Parallel, every branch's
 * `$.steps` (the merge keeps `$.run` and `$.steps` only, so gate results end there).
 *
 * Each step holds a frame of a persistent chain (what it adds to what came before), not a copy
 * of everything before it: copies made a 5,000-step chain quadratic. A lookup walks the chain.
 */
import type { Block } from './dag.ts';

/**
 * Where the gate of step `key` (waiting for `needs` in other branches) leaves the record of `need`
 * (gate.ts): a gate of one need at `$.needs.<need>`, one per need in a branch whichever step brought
 * it; a gate of several at `$.gates.<key>.<need>`.
 */
export function gatePath(key: string, needs: readonly string[], need: string): string {
  return needs.length === 1 ? `$.needs.${need}` : `$.gates.${key}.${need}`;
}

type Frame =
  | { up: Frame | null; kind: 'paths'; paths: ReadonlyMap<string, string> }
  /** After a Parallel: each branch's `$.steps` paths for its steps, then only the `$.steps` paths of before. */
  | { up: Frame | null; kind: 'par'; branches: Branch[] };

/** A branch's steps (pre-order indexes [from, to)) and what it ends with. */
interface Branch {
  from: number;
  to: number;
  out: Frame | null;
}

export class Visibility {
  /** Step key → the frame it sees (what ran before it, and its gates). */
  private readonly seen = new Map<string, Frame | null>();
  /** Step key → its pre-order index in the layout. */
  private readonly index = new Map<string, number>();

  constructor(root: Block, gates: ReadonlyMap<string, readonly string[]>) {
    const walk = (block: Block, before: Frame | null): Frame | null => {
      if (block.kind === 'seq') return block.items.reduce((acc, item) => walk(item, acc), before);
      if (block.kind === 'par') {
        const branches = block.branches.map((b) => {
          const from = this.index.size;
          const out = walk(b, before);
          return { from, to: this.index.size, out };
        });
        return { up: before, kind: 'par', branches };
      }
      this.index.set(block.key, this.index.size);
      const gated = gates.get(block.key) ?? [];
      const at: Frame | null =
        gated.length === 0
          ? before
          : {
              up: before,
              kind: 'paths',
              paths: new Map(gated.map((need) => [need, gatePath(block.key, gated, need)])),
            };
      this.seen.set(block.key, at);
      return { up: at, kind: 'paths', paths: new Map([[block.key, `$.steps.${block.key}`]]) };
    };
    walk(root, null);
  }

  /** JSONPath of the record of step `other` as step `step` sees it; undefined when not visible there. */
  path(step: string, other: string): string | undefined {
    return this.seen.has(step) ? this.lookup(this.seen.get(step)!, other) : undefined;
  }

  private lookup(frame: Frame | null, other: string): string | undefined {
    let stepsOnly = false;
    for (let f = frame; f !== null; f = f.up) {
      if (f.kind === 'par') {
        const i = this.index.get(other) ?? -1;
        const branch = f.branches.find((b) => i >= b.from && i < b.to);
        if (branch) {
          const path = this.lookup(branch.out, other);
          return path?.startsWith('$.steps.') ? path : undefined;
        }
        stepsOnly = true;
        continue;
      }
      const path = f.paths.get(other);
      if (path !== undefined) return stepsOnly && !path.startsWith('$.steps.') ? undefined : path;
    }
    return undefined;
  }
}
