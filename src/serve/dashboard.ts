/** `GET /`: a plain HTML page of recent runs (escaped: branch names and actors are user data). */
import type { RunRecord } from '../core/ports.ts';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function dashboardPage(runs: RunRecord[]): string {
  const rows = runs
    .map((r) => `<tr class="${escape(r.status)}"><td><code>${escape(r.id)}</code></td><td>${escape(r.pipeline)}</td><td>${escape(r.status)}</td><td>${escape(r.event)}</td><td>${escape(r.branch || r.tag)}</td><td><code>${escape(r.sha.slice(0, 7))}</code></td><td>${escape(r.createdAt)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>sci serve</title>
<style>body{font:14px system-ui;margin:2em}table{border-collapse:collapse}td,th{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}.failed td{color:#b00}.succeeded td{color:#070}</style>
</head><body><h1>serverless-ci — local runs</h1>
<table><thead><tr><th>run</th><th>pipeline</th><th>status</th><th>event</th><th>ref</th><th>sha</th><th>created</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="7">no runs yet — push a webhook to POST /webhook</td></tr>'}
</tbody></table></body></html>
`;
}
