/**
 * Where each step's record (`{ status, chain, outputs }`) can be read at each point of the
 * definition. A step reads what ran before it in its own branch at `$.steps.<key>`, what a
 * gate brought it at `$.gates.<key>.<need>.record`, and, after a Parallel, every branch's
 * `$.steps` (the merge keeps `$.run` and `$.steps` only, so gate results end there).
 */
import type { Block } from './dag.ts';

/** Step key → (key of a step that ran before it → JSONPath of that step's record). */
export type Visibility = Map<string, Map<string, string>>;

export function visibility(root: Block, gates: ReadonlyMap<string, readonly string[]>): Visibility {
  const seen: Visibility = new Map();
  const walk = (block: Block, before: Map<string, string>): Map<string, string> => {
    if (block.kind === 'seq') return block.items.reduce((acc, item) => walk(item, acc), before);
    if (block.kind === 'par') {
      const after = new Map([...before].filter(([, path]) => path.startsWith('$.steps.')));
      for (const out of block.branches.map((b) => walk(b, before))) {
        for (const [key, path] of out) if (path.startsWith('$.steps.')) after.set(key, path);
      }
      return after;
    }
    const at = new Map(before);
    for (const need of gates.get(block.key) ?? []) at.set(need, `$.gates.${block.key}.${need}.record`);
    seen.set(block.key, at);
    return new Map([...at, [block.key, `$.steps.${block.key}`]]);
  };
  walk(root, new Map());
  return seen;
}
