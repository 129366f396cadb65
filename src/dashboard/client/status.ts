/** A status shown by an icon AND its word, never by colour alone. */
import { html } from './html.ts';

const ICONS: Record<string, string> = {
  succeeded: '✓',
  failed: '✕',
  running: '●',
  waiting: '⏸',
  pending: '○',
  queued: '○',
  skipped: '⤼',
  cancelled: '⊘',
};

export function StatusBadge({ status }: { status: string }) {
  return html`<span class=${`badge s-${status}`}><span class="icon" aria-hidden="true">${ICONS[status] ?? '?'}</span>${status}</span>`;
}

export function statusIcon(status: string): string {
  return ICONS[status] ?? '?';
}
