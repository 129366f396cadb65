/** Environments: each one's current release and its history, with Promote and Rollback (as `sci promote` / `sci rollback`). */
import { useEffect, useState } from 'preact/hooks';
import type { EnvironmentEntry } from '../ports.ts';
import { act, getJson, runPath } from './api.ts';
import { ago } from './format.ts';
import { html } from './html.ts';
import { StatusBadge } from './status.ts';

function Environment({
  env,
  others,
  onAction,
}: {
  env: EnvironmentEntry;
  others: string[];
  onAction(text: string, ok: boolean): void;
}) {
  const [target, setTarget] = useState(others[0] ?? '');
  const [busy, setBusy] = useState(false);
  const run = (path: string) => {
    setBusy(true);
    act(path)
      .then(
        (m) => onAction(m, true),
        (e: Error) => onAction(e.message, false),
      )
      .finally(() => setBusy(false));
  };
  const base = `/api/environments/${encodeURIComponent(env.name)}`;
  const { current } = env;
  return html`<section class="card environment" aria-labelledby=${`env-${env.name}`}>
    <div class="toolbar">
      <h2 id=${`env-${env.name}`}>${env.name}</h2>
      <${StatusBadge} status=${current.status} />
      <div class="actions">
        <button type="button" disabled=${busy} onClick=${() => run(`${base}/rollback`)}>Roll back ${env.name}</button>
        ${
          others.length > 0
            ? html`<label>Promote to <select value=${target} onChange=${(e: Event) => setTarget((e.target as HTMLSelectElement).value)}>
            ${others.map((o) => html`<option value=${o}>${o}</option>`)}</select></label>
          <button type="button" class="primary" disabled=${busy || !target} onClick=${() => run(`${base}/promote?to=${encodeURIComponent(target)}`)}>Promote ${env.name}</button>`
            : null
        }
      </div>
    </div>
    <p>Current: <code>${current.sha.slice(0, 12)}</code> from <a href=${runPath(current.run)}>${current.pipeline} run ${current.run}</a>
      (${current.step}), ${ago(current.at)}${current.url ? html` · <a href=${current.url} rel="noopener noreferrer">${current.url}</a>` : null}</p>
    <table><caption>History of ${env.name}, newest first</caption>
      <thead><tr><th scope="col">Status</th><th scope="col">Commit</th><th scope="col">Run</th><th scope="col">Branch</th><th scope="col">When</th></tr></thead>
      <tbody>${env.history.map(
        (r) => html`<tr key=${`${r.at}#${r.run}`}>
        <td><${StatusBadge} status=${r.status} /></td><td><code>${r.sha.slice(0, 12)}</code></td>
        <td><a href=${runPath(r.run)}>${r.run}</a></td><td>${r.branch || '—'}</td><td title=${r.at}>${ago(r.at)}</td></tr>`,
      )}</tbody>
    </table>
  </section>`;
}

export function Environments() {
  const [envs, setEnvs] = useState<EnvironmentEntry[] | undefined>();
  const [error, setError] = useState('');
  const [notice, setNotice] = useState<{ text: string; ok: boolean } | undefined>();
  const load = () =>
    getJson<{ environments: EnvironmentEntry[] }>('/api/environments').then(
      (r) => setEnvs(r.environments),
      (e: Error) => setError(e.message),
    );
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 2000);
    return () => clearInterval(timer);
  }, []);
  if (error) return html`<p class="error" role="alert">${error}</p>`;
  if (!envs) return html`<p class="loading">Loading…</p>`;
  const onAction = (text: string, ok: boolean) => {
    setNotice({ text, ok });
    void load();
  };
  return html`<section>
    <nav class="crumbs" aria-label="Breadcrumb"><a href="/">Pipelines</a> › <span>Environments</span></nav>
    <h1>Environments</h1>
    ${notice ? html`<p class=${notice.ok ? 'notice' : 'error'} role="status">${notice.text}</p>` : null}
    ${envs.length === 0 ? html`<p>No environment has a release yet: a step with <code>environment:</code> that succeeds records one.</p>` : null}
    ${envs.map((env) => html`<${Environment} key=${env.name} env=${env} others=${envs.map((e) => e.name).filter((n) => n !== env.name)} onAction=${onAction} />`)}
  </section>`;
}
