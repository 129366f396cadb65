/** Home: every pipeline grouped by its `.sci/` folders, with its last runs, and a filter box. */
import { useEffect, useState } from 'preact/hooks';
import type { FolderNode, HomeView, PipelineEntry } from '../../core/dashboard.ts';
import { getJson, pipelinePath, runPath } from './api.ts';
import { ago } from './format.ts';
import { html } from './html.ts';
import { StatusBadge, statusIcon } from './status.ts';

function matches(entry: PipelineEntry, needle: string): boolean {
  return needle === '' || `${entry.repo}/${entry.pipeline}`.toLowerCase().includes(needle);
}

function visible(node: FolderNode, needle: string): boolean {
  return node.pipelines.some((p) => matches(p, needle)) || node.folders.some((f) => visible(f, needle));
}

function PipelineRow({ entry }: { entry: PipelineEntry }) {
  const last = entry.recent[0];
  return html`<li class="pipeline">
    <span>${last ? html`<${StatusBadge} status=${last.status} />` : html`<span class="muted">no runs</span>`}</span>
    <a class="pipeline-name" href=${pipelinePath(entry.repo, entry.pipeline)}>${entry.name}</a>
    <ol class="recent" aria-label=${`last runs of ${entry.pipeline}`}>
      ${entry.recent.map(
        (
          r,
        ) => html`<li><a class=${`dot s-${r.status}`} href=${runPath(r.id)} title=${`${r.status} · ${r.branch || r.tag || r.event} · ${ago(r.createdAt)}`}>
        <span aria-hidden="true">${statusIcon(r.status)}</span><span class="sr-only">${r.status}, ${ago(r.createdAt)}</span></a></li>`,
      )}
    </ol>
    <span class="muted when">${last ? `${last.branch || last.tag || last.event} · ${ago(last.createdAt)}` : ''}</span>
  </li>`;
}

function Folder({ node, needle }: { node: FolderNode; needle: string }) {
  if (!visible(node, needle)) return null;
  const body = html`<ul class="pipelines">${node.pipelines.filter((p) => matches(p, needle)).map((p) => html`<${PipelineRow} key=${p.pipeline} entry=${p} />`)}</ul>
    ${node.folders.map((f) => html`<${Folder} key=${f.path} node=${f} needle=${needle} />`)}`;
  if (node.path === '') return body;
  return html`<details class="folder" open>
    <summary><span class="folder-icon" aria-hidden="true">▸</span>${node.name}<span class="sr-only"> folder</span><span class="muted"> .sci/${node.path}/</span></summary>
    <div class="folder-body">${body}</div>
  </details>`;
}

export function Home() {
  const [view, setView] = useState<(HomeView & { title: string }) | undefined>();
  const [error, setError] = useState('');
  const [needle, setNeedle] = useState('');
  useEffect(() => {
    const load = () =>
      getJson<HomeView & { title: string }>('/api/home').then(setView, (e: Error) => setError(e.message));
    load();
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, []);
  if (error) return html`<p class="error" role="alert">${error}</p>`;
  if (!view) return html`<p class="loading">Loading…</p>`;
  return html`<section>
    <div class="toolbar">
      <h1>Pipelines</h1>
      <label class="filter"><span class="sr-only">Filter pipelines</span>
        <input type="search" placeholder="Filter pipelines…" value=${needle} onInput=${(e: Event) => setNeedle((e.target as HTMLInputElement).value.toLowerCase())} /></label>
    </div>
    ${view.repos.length === 0 ? html`<p class="empty">No runs yet. Run <code>npm start</code> or <code>sci run</code>, then reload.</p>` : null}
    ${view.repos.map(
      (r) => html`<article class="card repo" key=${r.repo}>
      <h2>${r.repo}</h2>
      <${Folder} node=${r.root} needle=${needle} />
    </article>`,
    )}
  </section>`;
}
