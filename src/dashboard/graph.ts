/**
 * A run's step graph laid out by dagre (left to right): one node per step instance, edges from
 * each need, and matrix cells inside a box named after their step. The page only draws it.
 */
import * as dagre from '@dagrejs/dagre';
import type { StepRecord } from '../core/ports.ts';

export interface GraphNode {
  key: string;
  /** Centre and size, in SVG user units. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface GraphGroup {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface GraphEdge {
  from: string;
  to: string;
  points: Array<{ x: number; y: number }>;
}

export interface RunGraph {
  width: number;
  height: number;
  nodes: GraphNode[];
  groups: GraphGroup[];
  edges: GraphEdge[];
}

const NODE_HEIGHT = 52;
const CHAR_WIDTH = 7.4;
/** Room for the status icon, padding, and the longest status word. */
const NODE_MIN_WIDTH = 150;
const NODE_MAX_WIDTH = 280;
const GROUP_PREFIX = 'group:';
const MARGIN = 12;

const nodeWidth = (name: string) =>
  Math.min(NODE_MAX_WIDTH, Math.max(NODE_MIN_WIDTH, Math.round(name.length * CHAR_WIDTH) + 48));

export function layoutRun(steps: StepRecord[]): RunGraph {
  const g = new dagre.graphlib.Graph({ compound: true });
  g.setGraph({ rankdir: 'LR', nodesep: 30, ranksep: 60 });
  g.setDefaultEdgeLabel(() => ({}));
  const keys = new Set(steps.map((s) => s.key));
  for (const step of steps) {
    g.setNode(step.key, { width: nodeWidth(step.name), height: NODE_HEIGHT });
    if (step.group) {
      g.setNode(GROUP_PREFIX + step.group, {});
      g.setParent(step.key, GROUP_PREFIX + step.group);
    }
  }
  for (const step of steps) for (const need of step.needs ?? []) if (keys.has(need)) g.setEdge(need, step.key);
  dagre.layout(g);
  const nodes: GraphNode[] = [];
  const groups: GraphGroup[] = [];
  for (const id of g.nodes()) {
    const { x, y, width, height } = g.node(id);
    if (id.startsWith(GROUP_PREFIX)) groups.push({ name: id.slice(GROUP_PREFIX.length), x, y, width, height });
    else nodes.push({ key: id, x, y, width, height });
  }
  const edges = g.edges().map((e: { v: string; w: string }) => ({
    from: e.v,
    to: e.w,
    points: (g.edge(e).points as Array<{ x: number; y: number }>).map(({ x, y }) => ({ x, y })),
  }));
  return fitted({ width: 0, height: 0, nodes, groups, edges });
}

/** dagre's size leaves out edges routed around clusters: the box is measured on everything drawn. */
function fitted(graph: RunGraph): RunGraph {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const b of [...graph.nodes, ...graph.groups]) {
    xs.push(b.x - b.width / 2, b.x + b.width / 2);
    ys.push(b.y - b.height / 2, b.y + b.height / 2);
  }
  for (const p of graph.edges.flatMap((e) => e.points)) {
    xs.push(p.x);
    ys.push(p.y);
  }
  if (xs.length === 0) return graph;
  const dx = MARGIN - Math.min(...xs);
  const dy = MARGIN - Math.min(...ys);
  const move = <T extends { x: number; y: number }>(b: T): T => ({ ...b, x: b.x + dx, y: b.y + dy });
  return {
    width: Math.ceil(Math.max(...xs) + dx + MARGIN),
    height: Math.ceil(Math.max(...ys) + dy + MARGIN),
    nodes: graph.nodes.map(move),
    groups: graph.groups.map(move),
    edges: graph.edges.map((e) => ({ ...e, points: e.points.map(move) })),
  };
}
