/**
 * Exact DAG layout: turns the need graph into nested sequences and Parallel branches
 * (a series-parallel decomposition) plus GATE edges for what no such nesting can express.
 * A step then starts exactly when all of its needs have ended, for every DAG (the N shape
 * "C needs A; D needs A and B" included), never waiting for an unrelated branch.
 */

export type Block =
  | { kind: 'step'; key: string }
  | { kind: 'seq'; items: Block[] }
  | { kind: 'par'; branches: Block[] };

export interface DagLayout {
  root: Block;
  /** Gated step key → the needs it waits for through a gate (in need order). */
  gates: Map<string, string[]>;
}

/** Node sets are bitsets over the plan order, so each decomposition step is cheap at 1,000 steps. */
class Bits {
  readonly words: Uint32Array;
  constructor(size: number) {
    this.words = new Uint32Array((size + 31) >>> 5);
  }
  has(i: number): boolean {
    return (this.words[i >>> 5]! & (1 << (i & 31))) !== 0;
  }
  add(i: number): void {
    this.words[i >>> 5]! |= 1 << (i & 31);
  }
  /** True when every member of `other` is in this set. */
  covers(other: Bits): boolean {
    return other.words.every((w, i) => ((w & this.words[i]!) >>> 0) === w);
  }
  addAll(other: Bits, mask?: Bits): void {
    other.words.forEach((w, i) => (this.words[i]! |= mask ? w & mask.words[i]! : w));
  }
}

interface Graph {
  keys: string[];
  /** needs[i] = indexes of the direct needs of node i. */
  needs: number[][];
  /** Strict ancestors of each node in the full graph (restricting to a down-closed part is exact). */
  ancestors: Bits[];
}

/**
 * Lays out `keys` (in plan order, needs before dependants) with `needs` (key → need keys).
 * Pure and deterministic: the same DAG always gives the same layout.
 */
export function layoutDag(keys: string[], needs: ReadonlyMap<string, readonly string[]>): DagLayout {
  const index = new Map(keys.map((k, i) => [k, i]));
  const needIdx = keys.map((k) => (needs.get(k) ?? []).map((n) => index.get(n)!));
  const gates = new Map<string, string[]>();
  const graph: Graph = { keys, needs: needIdx, ancestors: ancestorSets(needIdx) };
  const root = decompose(graph, keys.map((_, i) => i), needIdx, gates);
  return { root, gates };
}

function ancestorSets(needs: number[][]): Bits[] {
  const sets: Bits[] = [];
  const visit = (i: number): Bits => {
    if (sets[i]) return sets[i];
    const set = new Bits(needs.length);
    for (const n of needs[i]!) {
      set.add(n);
      set.addAll(visit(n));
    }
    return (sets[i] = set);
  };
  needs.forEach((_, i) => visit(i));
  return sets;
}

function decompose(g: Graph, nodes: number[], edges: number[][], gates: Map<string, string[]>): Block {
  if (nodes.length === 1) return { kind: 'step', key: g.keys[nodes[0]!]! };
  const parts = components(nodes, edges);
  if (parts.length > 1) return { kind: 'par', branches: parts.map((p) => decompose(g, p, edges, gates)) };
  const split = seriesSplit(g, nodes, edges);
  if (split) {
    const [head, tail] = split;
    return flattenSeq([decompose(g, head, edges, gates), decompose(g, tail, edges, gates)]);
  }
  return decompose(g, nodes, toForest(g, nodes, edges, gates), gates);
}

function flattenSeq(items: Block[]): Block {
  return { kind: 'seq', items: items.flatMap((b) => (b.kind === 'seq' ? b.items : [b])) };
}

/** Weakly connected components of `nodes` under `edges`, each in plan order. */
function components(nodes: number[], edges: number[][]): number[][] {
  const member = new Set(nodes);
  const parent = new Map(nodes.map((n) => [n, n]));
  const find = (n: number): number => {
    let r = n;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(n, r);
    return r;
  };
  for (const n of nodes) for (const m of edges[n]!) if (member.has(m)) parent.set(find(n), find(m));
  const groups = new Map<number, number[]>();
  for (const n of nodes) {
    const root = find(n);
    groups.set(root, [...(groups.get(root) ?? []), n]);
  }
  return [...groups.values()];
}

/**
 * The smallest down-closed head X such that every other node has all of X as ancestors:
 * then the tail can start exactly when the whole head has ended. Undefined when X is everything.
 */
function seriesSplit(g: Graph, nodes: number[], edges: number[][]): [number[], number[]] | undefined {
  const member = new Set(nodes);
  // Only ancestors inside this part count: the rest is already sequenced around it.
  const inside = new Bits(g.keys.length);
  nodes.forEach((n) => inside.add(n));
  const head = new Bits(g.keys.length);
  for (const n of nodes) if (!edges[n]!.some((m) => member.has(m))) head.add(n);
  for (let changed = true; changed; ) {
    changed = false;
    for (const n of nodes) {
      if (head.has(n) || g.ancestors[n]!.covers(head)) continue;
      head.add(n);
      head.addAll(g.ancestors[n]!, inside);
      changed = true;
    }
  }
  const x = nodes.filter((n) => head.has(n));
  return x.length === nodes.length ? undefined : [x, nodes.filter((n) => !head.has(n))];
}

/**
 * Keeps one structural need per node (the one farthest from a source, so the node's branch
 * is the one that usually ends last) and records the others as gate edges.
 */
function toForest(g: Graph, nodes: number[], edges: number[][], gates: Map<string, string[]>): number[][] {
  const member = new Set(nodes);
  const depth = new Map<number, number>();
  const forest = edges.map(() => [] as number[]);
  for (const n of nodes) {
    const inside = edges[n]!.filter((m) => member.has(m));
    depth.set(n, inside.length === 0 ? 0 : 1 + Math.max(...inside.map((m) => depth.get(m)!)));
    if (inside.length === 0) continue;
    const parent = inside.reduce((best, m) => (depth.get(m)! > depth.get(best)! ? m : best));
    forest[n] = [parent];
    const gated = inside.filter((m) => m !== parent).map((m) => g.keys[m]!);
    const key = g.keys[n]!;
    if (gated.length > 0) gates.set(key, [...(gates.get(key) ?? []), ...gated]);
  }
  return forest;
}
