/** The run graph: dagre's layout (computed by the server) drawn as SVG; each node is a keyboard-operable button. */
import type { StepRecord } from '../../core/ports.ts';
import type { RunGraph } from '../graph.ts';
import { html } from './html.ts';
import { statusIcon } from './status.ts';

function edgePath(points: Array<{ x: number; y: number }>): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
}

function truncate(text: string, width: number): string {
  const max = Math.floor((width - 40) / 7.2);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function RunGraphView({
  graph,
  steps,
  selected,
  onSelect,
}: {
  graph: RunGraph;
  steps: StepRecord[];
  selected?: string;
  onSelect(key: string): void;
}) {
  const byKey = new Map(steps.map((s) => [s.key, s]));
  const keyDown = (key: string) => (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(key);
    }
  };
  return html`<svg class="graph" viewBox=${`0 0 ${graph.width} ${graph.height}`} width=${graph.width} height=${graph.height} role="group" aria-label="Step graph">
    <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrow" /></marker></defs>
    ${graph.groups.map(
      (g) => html`<g class="group" key=${`g-${g.name}`}>
      <rect x=${g.x - g.width / 2} y=${g.y - g.height / 2} width=${g.width} height=${g.height} rx="10" />
      <text x=${g.x - g.width / 2 + 10} y=${g.y - g.height / 2 + 14}>${g.name} · matrix</text></g>`,
    )}
    ${graph.edges.map((e) => html`<path key=${`${e.from}-${e.to}`} class="edge" d=${edgePath(e.points)} marker-end="url(#arrow)" />`)}
    ${graph.nodes.map((n) => {
      const step = byKey.get(n.key);
      const status = step?.status ?? 'pending';
      const name = step?.name ?? n.key;
      const x = n.x - n.width / 2;
      const y = n.y - n.height / 2;
      return html`<g key=${n.key} class=${`node s-${status}${selected === n.key ? ' selected' : ''}`} data-step=${n.key} tabindex="0" role="button"
        aria-pressed=${selected === n.key ? 'true' : 'false'} aria-label=${`${name}: ${status}`} onClick=${() => onSelect(n.key)} onKeyDown=${keyDown(n.key)}>
        <title>${name}: ${status}</title>
        <rect x=${x} y=${y} width=${n.width} height=${n.height} rx="8" />
        <circle class="status-dot" cx=${x + 18} cy=${n.y} r="9" />
        <text class="status-icon" x=${x + 18} y=${n.y + 4} text-anchor="middle" aria-hidden="true">${statusIcon(status)}</text>
        <text class="name" x=${x + 34} y=${n.y - 4}>${truncate(name, n.width)}</text>
        <text class="status-text" x=${x + 34} y=${n.y + 13}>${status}${step && step.attempts > 1 ? ` · attempt ${step.attempts}` : ''}</text>
      </g>`;
    })}
  </svg>`;
}
