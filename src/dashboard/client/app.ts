/** The dashboard page: one shell for every address; this picks the view from the path. */
import { render } from 'preact';
import { html } from './html.ts';
import { Environments } from './environments.ts';
import { Home } from './home.ts';
import { Pipeline } from './pipeline.ts';
import { Run } from './run.ts';

function View() {
  const path = location.pathname;
  const run = /^\/runs\/([^/]+)$/.exec(path);
  if (run) return html`<${Run} runId=${decodeURIComponent(run[1]!)} />`;
  if (path === '/pipeline') return html`<${Pipeline} />`;
  if (path === '/environments') return html`<${Environments} />`;
  return html`<${Home} />`;
}

function App() {
  return html`<a class="skip" href="#main">Skip to content</a>
    <header class="top"><a class="brand" href="/"><span class="logo" aria-hidden="true">◆</span> serverless-ci</a>
      <nav class="top-nav" aria-label="Main"><a href="/">Pipelines</a> <a href="/environments">Environments</a></nav></header>
    <main id="main" tabindex="-1"><${View} /></main>`;
}

const root = document.getElementById('app')!;
root.textContent = '';
render(html`<${App} />`, root);
