/**
 * Who may start runs: repositories and senders named exactly (numeric id or `owner/name`),
 * never by pattern, because a glob on names is one rename away from trusting a stranger.
 */

/** An allow-list; an empty `senders` list means any sender of a trusted repository. */
export interface TrustPolicy {
  /** `'any'` only where another check names the repository (sci serve with no origin remote). */
  repos: string[] | 'any';
  senders: string[];
}

/** Parses `ALLOWED_REPOS`/`ALLOWED_SENDERS`-style lists: comma or whitespace separated. */
export function parseAllowList(text: string | undefined): string[] {
  return (text ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

interface Identity {
  id?: unknown;
  full_name?: unknown;
  login?: unknown;
}

function matches(entry: string, who: Identity | undefined): boolean {
  if (!who) return false;
  if (/^\d+$/.test(entry)) return String(who.id) === entry;
  const name = typeof who.full_name === 'string' ? who.full_name : who.login;
  // GitHub names are case-insensitive; the comparison is still whole-string.
  return typeof name === 'string' && name.toLowerCase() === entry.toLowerCase();
}

/** Why a delivery is not trusted, or undefined when it is. */
export function untrustedReason(
  policy: TrustPolicy,
  payload: { repository?: Identity; sender?: Identity },
): string | undefined {
  if (policy.repos !== 'any' && !policy.repos.some((entry) => matches(entry, payload.repository))) {
    return `repository ${String(payload.repository?.full_name ?? '(none)')} is not in the allow-list`;
  }
  if (policy.senders.length > 0 && !policy.senders.some((entry) => matches(entry, payload.sender))) {
    return `sender ${String(payload.sender?.login ?? '(none)')} is not in the allow-list`;
  }
  return undefined;
}
