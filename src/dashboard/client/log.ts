/** A step's log, streamed by Server-Sent Events while the step runs (masked by the runner, as in `sci logs`). */
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.ts';

export function LogView({ runId, stepKey, name }: { runId: string; stepKey: string; name: string }) {
  const [text, setText] = useState('');
  const [state, setState] = useState<'live' | 'ended' | 'error'>('live');
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    setText('');
    setState('live');
    const source = new EventSource(`/api/runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(stepKey)}/log`);
    source.addEventListener('log', (e) => setText((t) => t + (JSON.parse((e as MessageEvent<string>).data) as string)));
    source.addEventListener('end', () => {
      setState('ended');
      source.close();
    });
    source.onerror = () => {
      setState((s) => (s === 'ended' ? s : 'error'));
      source.close();
    };
    return () => source.close();
  }, [runId, stepKey]);
  useEffect(() => {
    const el = box.current;
    if (el && state === 'live') el.scrollTop = el.scrollHeight;
  }, [text, state]);
  return html`<section class="card log" aria-label=${`Log of ${name}`}>
    <header><h2>Log · ${name}</h2><span class=${`live ${state}`} role="status">${state === 'live' ? 'streaming' : state === 'ended' ? 'complete' : 'disconnected'}</span></header>
    <pre ref=${box} tabindex="0" data-testid="log">${text || (state === 'live' ? 'Waiting for output…' : '(no output)')}</pre>
  </section>`;
}
