/** Pipeline: its runs newest first, one page at a time by key, filtered by branch, status and event. */
import { useEffect, useState } from 'preact/hooks';
import type { RunPage } from '../../core/ports.ts';
import { getJson, runPath } from './api.ts';
import { ago, duration } from './format.ts';
import { html } from './html.ts';
import { StatusBadge } from './status.ts';

const STATUSES = ['', 'queued', 'running', 'succeeded', 'failed', 'cancelled'];
const EVENTS = ['', 'push', 'pull_request', 'tag', 'manual', 'schedule', 'pipeline'];

export function Pipeline() {
  const params = new URLSearchParams(location.search);
  const repo = params.get('repo') ?? '';
  const id = params.get('id') ?? '';
  const [page, setPage] = useState<RunPage | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    getJson<RunPage>(`/api/pipeline${location.search}`).then(setPage, (e: Error) => setError(e.message));
  }, []);
  const select = (name: string, options: string[]) => html`<label>${name}
    <select name=${name}>${options.map((o) => html`<option value=${o} selected=${params.get(name) === o}>${o || 'any'}</option>`)}</select></label>`;
  return html`<section>
    <nav class="crumbs" aria-label="Breadcrumb"><a href="/">Pipelines</a> › <span>${repo}</span></nav>
    <div class="toolbar"><h1>${id}</h1></div>
    <form class="filters card" method="get" action="/pipeline">
      <input type="hidden" name="repo" value=${repo} /><input type="hidden" name="id" value=${id} />
      <label>branch <input name="branch" value=${params.get('branch') ?? ''} placeholder="any" /></label>
      ${select('status', STATUSES)} ${select('event', EVENTS)}
      <button type="submit">Filter</button>
    </form>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    ${
      !page
        ? html`<p class="loading">Loading…</p>`
        : html`<div class="card"><table class="runs">
      <thead><tr><th scope="col">Status</th><th scope="col">Run</th><th scope="col">Ref</th><th scope="col">Event</th><th scope="col">Commit</th><th scope="col">Started</th><th scope="col">Duration</th></tr></thead>
      <tbody>${
        page.runs.length === 0
          ? html`<tr><td colspan="7" class="empty">No runs match.</td></tr>`
          : page.runs.map(
              (r) => html`<tr key=${r.id}>
        <td><${StatusBadge} status=${r.status} /></td>
        <td><a href=${runPath(r.id)}><code>${r.id}</code></a>${r.waitingFor ? html` <span class="muted">waits for <a href=${runPath(r.waitingFor)}><code>${r.waitingFor}</code></a></span>` : null}</td>
        <td>${r.branch || r.tag}</td><td>${r.event}</td><td><code>${r.sha.slice(0, 7)}</code></td>
        <td title=${r.createdAt}>${ago(r.createdAt)}</td><td>${duration(r.startedAt, r.endedAt)}</td></tr>`,
            )
      }</tbody>
    </table></div>
    ${page.next ? html`<p><a class="button" href=${`/pipeline?${new URLSearchParams({ ...Object.fromEntries(params), after: page.next })}`} rel="next">Older runs →</a></p>` : null}`
    }
  </section>`;
}
