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
  addAll(other: Bits): void {
    for (let i = 0; i < other.words.length; i++) this.words[i]! |= other.words[i]!;
  }
  /** True when every member of `other` within words [from, to) is in this set. */
  covers(other: Bits, from: number, to: number): boolean {
    for (let i = from; i < to; i++) if ((other.words[i]! & this.words[i]!) >>> 0 !== other.words[i]!) return false;
    return true;
  }
  /**
   * Members of `mask` below bit `end` (from word `from` on) that this set lacks, counted until there are more than
   * `limit`: then some number over `limit`.
   */
  missingBelow(mask: Bits, from: number, end: number, limit: number): number {
    let n = 0;
    const last = end >>> 5;
    for (let i = from; i <= last && n <= limit; i++) {
      const below = i < last ? 0xffffffff : (1 << (end & 31)) - 1;
      n += popcount(mask.words[i]! & ~this.words[i]! & below);
    }
    return n;
  }
}

function popcount(w: number): number {
  let v = w - ((w >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

interface Graph {
  keys: string[];
  /** needs[i] = indexes of the direct needs of node i. */
  needs: number[][];
  /** Strict ancestors of each node in the full graph (restricting to a down-closed part is exact). */
  ancestors: Bits[];
}

/** A part of the graph still to lay out, and where its block goes. */
interface Task {
  nodes: number[];
  edges: number[][];
  put: (block: Block) => void;
  /** A component `components` found under these `edges`: it is its own only component. */
  connected?: boolean;
}

/**
 * Lays out `keys` (in plan order, needs before dependants) with `needs` (key → need keys).
 * Pure and deterministic: the same DAG always gives the same layout. Iterative (an explicit
 * work stack, no recursion) so a 5,000-step chain cannot overflow the call stack.
 */
export function layoutDag(keys: string[], needs: ReadonlyMap<string, readonly string[]>): DagLayout {
  const index = new Map(keys.map((k, i) => [k, i]));
  const needIdx = keys.map((k) => (needs.get(k) ?? []).map((n) => index.get(n)!));
  const gates = new Map<string, string[]>();
  const g: Graph = { keys, needs: needIdx, ancestors: ancestorSets(needIdx) };
  const scratch = scratchFor(keys.length);
  let root: Block = { kind: 'seq', items: [] };
  const stack: Task[] = [{ nodes: keys.map((_, i) => i), edges: needIdx, put: (b) => (root = b) }];
  // Children are pushed last-first, so parts are laid out in the order recursion would take.
  const pushAll = (parts: number[][], edges: number[][], into: Block[], connected: boolean) => {
    for (let i = parts.length - 1; i >= 0; i--)
      stack.push({ nodes: parts[i]!, edges, put: (b) => (into[i] = b), connected });
  };
  while (stack.length > 0) {
    const { nodes, edges, put, connected } = stack.pop()!;
    if (nodes.length === 1) {
      put({ kind: 'step', key: keys[nodes[0]!]! });
      continue;
    }
    const parts = connected ? [nodes] : components(nodes, edges, scratch);
    if (parts.length > 1) {
      const branches: Block[] = [];
      put({ kind: 'par', branches });
      pushAll(parts, edges, branches, true);
      continue;
    }
    const series = seriesBlocks(g, nodes, edges, scratch);
    if (series.length > 1) {
      const items: Block[] = [];
      put({ kind: 'seq', items });
      pushAll(series, edges, items, false);
      continue;
    }
    stack.push({ nodes, edges: toForest(g, nodes, edges, gates), put });
  }
  return { root: flattenSeqs(root), gates };
}

/** Strict ancestors of every node; plan order puts needs first, so one pass suffices. */
function ancestorSets(needs: number[][]): Bits[] {
  const sets: Bits[] = [];
  for (let i = 0; i < needs.length; i++) {
    const set = new Bits(needs.length);
    for (const n of needs[i]!) {
      set.add(n);
      set.addAll(sets[n]!);
    }
    sets.push(set);
  }
  return sets;
}

/** A sequence inside a sequence becomes its items (a part laid out after gates may split again). */
function flattenSeqs(root: Block): Block {
  const pending: Block[] = [root];
  while (pending.length > 0) {
    const block = pending.pop()!;
    if (block.kind === 'step') continue;
    if (block.kind === 'seq') block.items = block.items.flatMap((b) => (b.kind === 'seq' ? b.items : [b]));
    pending.push(...(block.kind === 'seq' ? block.items : block.branches));
  }
  return root;
}

/**
 * Per-node arrays `components` reuses for every part of one layout (indexed by node, valid where `mark` holds the
 * current call's `epoch`): a deep nest of fans and joins splits into parts thousands of times, and a Map and a Set per
 * part were most of its layout's time.
 */
interface Scratch {
  parent: Int32Array;
  mark: Int32Array;
  group: Int32Array;
  /** A node's position in the part `seriesBlocks` splits. */
  position: Int32Array;
  epoch: number;
}

const scratchFor = (size: number): Scratch => ({
  parent: new Int32Array(size),
  mark: new Int32Array(size),
  group: new Int32Array(size),
  position: new Int32Array(size),
  epoch: 0,
});

/** Weakly connected components of `nodes` under `edges`, each in plan order, in the order of their first node. */
function components(nodes: number[], edges: number[][], scratch: Scratch): number[][] {
  const epoch = ++scratch.epoch;
  const { parent, mark, group } = scratch;
  for (const n of nodes) {
    parent[n] = n;
    mark[n] = epoch;
  }
  const find = (n: number): number => {
    let r = n;
    while (parent[r] !== r) r = parent[r]!;
    for (let m = n; m !== r; ) {
      const up = parent[m]!;
      parent[m] = r;
      m = up;
    }
    return r;
  };
  for (const n of nodes) for (const m of edges[n]!) if (mark[m] === epoch) parent[find(n)] = find(m);
  const groups: number[][] = [];
  // a root's group index, set when its first node is met (every root is a node of this part: marked already)
  for (const n of nodes) {
    const root = find(n);
    if (mark[root] === epoch) {
      mark[root] = -epoch;
      group[root] = groups.length;
      groups.push([n]);
    } else groups[group[root]!]!.push(n);
  }
  return groups;
}

/**
 * Splits a connected part into the longest sequence of blocks that may run one after another:
 * a cut before position p (in plan order) is allowed when every node from p on has every node
 * before p as an ancestor, so the tail can start exactly when the whole head has ended, and when
 * the head holds every node that starts the part under `edges` (after gates, a node whose
 * structural parent lies before an earlier cut). Repeatedly taking the smallest such head gives
 * the same blocks; finding all cuts in one pass keeps a 5,000-step chain linear.
 *
 * Only ancestors inside this part count: the rest is already sequenced around it. A node y
 * "enters" the tail for every cut p in (its last in-part need, y]; it allows p only when all
 * p nodes before p are its ancestors, which needs at least p ancestors in the part: a count
 * rules most cuts out, and the few left get the exact check.
 */
function seriesBlocks(g: Graph, nodes: number[], edges: number[][], scratch: Scratch): number[][] {
  const m = nodes.length;
  const epoch = ++scratch.epoch;
  const { mark, position } = scratch;
  nodes.forEach((n, i) => {
    mark[n] = epoch;
    position[n] = i;
  });
  /** The position of `k` in this part, or -1. */
  const at = (k: number): number => (mark[k] === epoch ? position[k]! : -1);
  const inside = new Bits(g.keys.length);
  for (const n of nodes) inside.add(n);
  const from = nodes[0]! >>> 5;
  const to = (nodes[m - 1]! >>> 5) + 1;
  const forbidden = new Int32Array(m + 1);
  // the nodes to check exactly at a cut position (most positions have none)
  const checks = new Map<number, number[]>();
  // sourceReach[q]: the furthest node with no `edges` need at or after q (after prefix maxima).
  const sourceReach = new Int32Array(m + 1).fill(-1);
  /** The latest position in this part among `ks`, or -1. */
  const last = (ks: number[]): number => {
    let latest = -1;
    for (const k of ks) latest = Math.max(latest, at(k));
    return latest;
  };
  nodes.forEach((n, i) => {
    const lastNeed = last(g.needs[n]!);
    const lastEdge = last(edges[n]!);
    sourceReach[lastEdge + 1] = Math.max(sourceReach[lastEdge + 1]!, i);
    // The part's nodes before n that are its ancestors: the i before it, less those that are not. Only a count over
    // lastNeed matters below, so the count of those that are not stops once it says the count is at most lastNeed.
    const count = i - g.ancestors[n]!.missingBelow(inside, from, n, i - lastNeed - 1);
    // Cuts in (max(lastNeed, count), i] are impossible; those in (lastNeed, min(count, i)] need a look.
    const low = Math.max(lastNeed, count);
    if (low < i) {
      forbidden[low + 1]! += 1;
      forbidden[i + 1]! -= 1;
    }
    for (let p = Math.max(1, lastNeed + 1); p <= Math.min(count, i); p++) {
      const listed = checks.get(p);
      if (listed) listed.push(n);
      else checks.set(p, [n]);
    }
  });
  for (let q = 1; q <= m; q++) sourceReach[q] = Math.max(sourceReach[q]!, sourceReach[q - 1]!);
  const head = new Bits(g.keys.length);
  const blocks: number[][] = [];
  let start = 0;
  let open = forbidden[0]!;
  let bound = sourceReach[0]!;
  for (let p = 1; p < m; p++) {
    head.add(nodes[p - 1]!);
    open += forbidden[p]!;
    if (open > 0 || p <= bound) continue;
    if (!(checks.get(p) ?? []).every((n) => g.ancestors[n]!.covers(head, from, to))) continue;
    blocks.push(nodes.slice(start, p));
    start = p;
    bound = sourceReach[p]!;
  }
  blocks.push(nodes.slice(start));
  return blocks;
}

/**
 * Keeps one structural need per node, one of those farthest from a source (so the node's branch
 * is the one that usually ends last), and records the others as gate edges. Among the farthest
 * needs, `chooseParents` picks so that the forest is mostly long paths.
 */
function toForest(g: Graph, nodes: number[], edges: number[][], gates: Map<string, string[]>): number[][] {
  const member = new Set(nodes);
  const depth = new Map<number, number>();
  const candidates = new Map<number, number[]>();
  for (const n of nodes) {
    const inside = edges[n]!.filter((m) => member.has(m));
    const deepest = Math.max(-1, ...inside.map((m) => depth.get(m)!));
    depth.set(n, deepest + 1);
    if (inside.length > 0)
      candidates.set(
        n,
        inside.filter((m) => depth.get(m) === deepest),
      );
  }
  const parents = chooseParents(candidates);
  const forest = edges.map(() => [] as number[]);
  for (const n of nodes) {
    const parent = parents.get(n);
    if (parent === undefined) continue;
    forest[n] = [parent];
    const gated = edges[n]!.filter((m) => member.has(m) && m !== parent).map((m) => g.keys[m]!);
    const key = g.keys[n]!;
    if (gated.length > 0) gates.set(key, [...(gates.get(key) ?? []), ...gated]);
  }
  return forest;
}

/**
 * Each node's structural parent among its candidates, so that as many parents as possible have
 * exactly one structural child: a maximum matching of children to parents (Kuhn's augmenting
 * paths, iterative). A parent with one child continues in its own scope (a sequence whose steps
 * share their endings, ending.ts); a parent with more puts each child in a Parallel branch of its
 * own. An unmatched child joins a parent that already has several children where it can, so it
 * breaks one path at most. Deterministic: nodes and candidates are tried in plan order.
 */
function chooseParents(candidates: Map<number, number[]>): Map<number, number> {
  const parentOf = new Map<number, number>();
  const childOf = new Map<number, number>();
  for (const child of candidates.keys()) augment(child, candidates, parentOf, childOf);
  const extra = new Map<number, number>();
  for (const [child, options] of candidates) {
    if (parentOf.has(child)) continue;
    const parent = options.reduce((best, p) => ((extra.get(p) ?? 0) > (extra.get(best) ?? 0) ? p : best));
    parentOf.set(child, parent);
    extra.set(parent, (extra.get(parent) ?? 0) + 1);
  }
  return parentOf;
}

/** One augmenting path from `start`: matches it, re-matching children along the way. */
function augment(
  start: number,
  candidates: Map<number, number[]>,
  parentOf: Map<number, number>,
  childOf: Map<number, number>,
): void {
  const visited = new Set<number>();
  const stack: Array<{ child: number; next: number }> = [{ child: start, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const options = candidates.get(top.child)!;
    if (top.next >= options.length) {
      stack.pop();
      continue;
    }
    const parent = options[top.next++]!;
    if (visited.has(parent)) continue;
    visited.add(parent);
    const holder = childOf.get(parent);
    if (holder !== undefined) {
      stack.push({ child: holder, next: 0 });
      continue;
    }
    // Free parent: each child on the path takes the parent the child above it gives up.
    let take = parent;
    for (let i = stack.length - 1; i >= 0; i--) {
      const child = stack[i]!.child;
      const old = parentOf.get(child);
      parentOf.set(child, take);
      childOf.set(take, child);
      if (old === undefined) break;
      take = old;
    }
    return;
  }
}
