/** Run: the graph, live statuses (SSE), the steps with their actions, a step's log, and the run's actions. */
import { useEffect, useState } from 'preact/hooks';
import type { RunRecord, StepRecord } from '../../core/ports.ts';
import type { RunGraph } from '../graph.ts';
import { act, getJson, pipelinePath, runPath } from './api.ts';
import { ago, duration } from './format.ts';
import { RunGraphView } from './graph.ts';
import { html } from './html.ts';
import { LogView } from './log.ts';
import { StatusBadge } from './status.ts';

export interface RunCost {
  usd: number;
  transitions: number | null;
  buildSeconds: number;
  region: string;
  estimated: boolean;
}

interface RunState {
  run: RunRecord;
  steps: StepRecord[];
  /** Console pages of a run on AWS (`RunLinks`, src/dashboard/ports.ts). */
  links: { execution?: string; builds?: Record<string, string> };
  cost: RunCost & { steps: Record<string, { usd: number; buildSeconds: number }> };
}

const ACTIVE = new Set(['queued', 'running']);
const REDRIVABLE = new Set(['failed', 'cancelled']);

function ActionButton({
  label,
  path,
  onDone,
  kind = '',
}: {
  label: string;
  path: string;
  onDone(message: string, ok: boolean): void;
  kind?: string;
}) {
  const [busy, setBusy] = useState(false);
  const click = () => {
    setBusy(true);
    act(path)
      .then(
        (m) => onDone(m, true),
        (e: Error) => onDone(e.message, false),
      )
      .finally(() => setBusy(false));
  };
  return html`<button type="button" class=${kind} disabled=${busy} onClick=${click}>${label}</button>`;
}

function Cost({ cost }: { cost: RunCost }) {
  const transitions = cost.transitions === null ? 'transitions not recorded' : `${cost.transitions} state transitions`;
  return html`<span>$${cost.usd.toFixed(4)}</span>
    <span class="muted cost-detail">${cost.estimated ? `would be, on AWS ${cost.region}` : cost.region} · ${transitions} · ${cost.buildSeconds} s of builds</span>`;
}

export function Run({ runId }: { runId: string }) {
  const [state, setState] = useState<RunState | undefined>();
  const [graph, setGraph] = useState<RunGraph | undefined>();
  const [error, setError] = useState('');
  const [notice, setNotice] = useState<{ text: string; ok: boolean } | undefined>();
  const [selected, setSelected] = useState<string | undefined>(
    new URLSearchParams(location.search).get('step') ?? undefined,
  );
  const base = `/api/runs/${encodeURIComponent(runId)}`;

  useEffect(() => {
    getJson<RunState & { graph: RunGraph }>(base).then(
      (r) => {
        setState(r);
        setGraph(r.graph);
      },
      (e: Error) => setError(e.message),
    );
    const events = new EventSource(`${base}/events`);
    events.addEventListener('run', (e) => setState(JSON.parse((e as MessageEvent<string>).data) as RunState));
    return () => events.close();
  }, [runId]);

  const select = (key: string) => {
    setSelected(key);
    const url = new URL(location.href);
    url.searchParams.set('step', key);
    history.replaceState(null, '', url);
  };
  const done = (text: string, ok: boolean) => setNotice({ text, ok });

  if (error) return html`<p class="error" role="alert">${error}</p>`;
  if (!state || !graph) return html`<p class="loading">Loading…</p>`;
  const { run, steps } = state;
  const step = steps.find((s) => s.key === selected);
  return html`<section>
    <nav class="crumbs" aria-label="Breadcrumb"><a href="/">Pipelines</a> › <span>${run.repo}</span> › <a href=${pipelinePath(run.repo, run.pipeline)}>${run.pipeline}</a></nav>
    <div class="toolbar">
      <h1>${run.pipeline} <code class="run-id">${run.id}</code></h1>
      <${StatusBadge} status=${run.status} />
      <div class="actions">
        ${ACTIVE.has(run.status) ? html`<${ActionButton} label="Cancel run" kind="danger" path=${`${base}/cancel`} onDone=${done} />` : null}
        ${REDRIVABLE.has(run.status) && !run.parentRunId ? html`<${ActionButton} label="Redrive" kind="primary" path=${`${base}/redrive`} onDone=${done} />` : null}
      </div>
    </div>
    ${notice ? html`<p class=${notice.ok ? 'notice' : 'error'} role="status">${notice.text}</p>` : null}
    <dl class="meta card">
      <div><dt>Ref</dt><dd>${run.branch || run.tag || '—'}</dd></div>
      <div><dt>Commit</dt><dd><code>${run.sha.slice(0, 12)}</code></dd></div>
      <div><dt>Event</dt><dd>${run.event}</dd></div>
      <div><dt>Actor</dt><dd>${run.actor}</dd></div>
      ${run.waitingFor ? html`<div class="wide"><dt>Waiting for</dt><dd>run <a href=${runPath(run.waitingFor)}><code>${run.waitingFor}</code></a> to end (concurrency group <code>${run.concurrencyGroup ?? '—'}</code>)</dd></div>` : null}
      <div><dt>Attempt</dt><dd>${(run.redriveCount ?? 0) + 1}${run.redrivenAt ? html` <span class="muted">(redriven ${ago(run.redrivenAt)})</span>` : null}</dd></div>
      <div><dt>Started</dt><dd title=${run.createdAt}>${ago(run.startedAt ?? run.createdAt)}</dd></div>
      <div><dt>Duration</dt><dd>${duration(run.startedAt, run.endedAt) || '—'}</dd></div>
      <div><dt>Cost</dt><dd><${Cost} cost=${state.cost} /></dd></div>
      ${state.links.execution ? html`<div><dt>On AWS</dt><dd><a href=${state.links.execution} target="_blank" rel="noopener noreferrer">Step Functions execution</a></dd></div>` : null}
      ${run.reason ? html`<div class="wide"><dt>Reason</dt><dd>${run.reason}</dd></div>` : null}
    </dl>
    <div class="card graph-card"><${RunGraphView} graph=${graph} steps=${steps} selected=${selected} onSelect=${select} /></div>
    <div class="split">
      <section class="card steps" aria-label="Steps">
        <h2>Steps</h2>
        <table><thead><tr><th scope="col">Step</th><th scope="col">Status</th><th scope="col">Time</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>${steps.map(
          (s) => html`<tr key=${s.key} class=${s.key === selected ? 'selected' : ''}>
          <td><button type="button" class="link" aria-pressed=${s.key === selected ? 'true' : 'false'} onClick=${() => select(s.key)}>${s.name}</button></td>
          <td><${StatusBadge} status=${s.status} />${s.attempts > 1 ? html` <span class="muted">attempt ${s.attempts}</span>` : null}${state.links.builds?.[s.key] ? html` <a class="build-link" href=${state.links.builds[s.key]} target="_blank" rel="noopener noreferrer" aria-label=${`CodeBuild build of ${s.name}`}>build</a>` : null}</td>
          <td>${duration(s.startedAt, s.endedAt)}</td>
          <td><div class="row-actions">
            ${
              s.kind === 'approval' && s.status === 'waiting'
                ? html`
              <${ActionButton} label="Approve" kind="primary" path=${`${base}/steps/${encodeURIComponent(s.key)}/approve`} onDone=${done} />
              <${ActionButton} label="Reject" kind="danger" path=${`${base}/steps/${encodeURIComponent(s.key)}/reject`} onDone=${done} />`
                : null
            }
            ${s.decision ? html`<span class="muted">${s.decision} by ${s.decidedBy}</span>` : null}
            ${s.reason && s.status !== 'succeeded' ? html`<span class="muted reason">${s.reason}</span>` : null}
          </div></td></tr>`,
        )}</tbody></table>
      </section>
      ${
        step
          ? html`<${LogView} key=${step.key} runId=${run.id} stepKey=${step.key} name=${step.name} />`
          : html`<section class="card log empty-log"><p>Select a step in the graph or the list to see its log.</p></section>`
      }
    </div>
  </section>`;
}
