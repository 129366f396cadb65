/**
 * State names: readable (`test (node=20) · skip`), unique across the whole definition
 * (Parallel branches included, as Step Functions requires) and at most 80 characters.
 */
export const MAX_STATE_NAME = 80;

/** Hands out unique state names; a name is never given twice. */
export class StateNames {
  private readonly taken = new Set<string>();
  /**
   * Per stem and suffix, the counter of the last name handed out: every smaller one is taken
   * (names are never given back), so a stem claimed k times costs k tries in all, not k².
   */
  private readonly last = new Map<string, number>();

  /** `stem · suffix`, the stem shortened with `…` when the whole would exceed 80 chars. */
  claim(stem: string, suffix?: string): string {
    const tail = suffix === undefined ? '' : ` · ${shorten(suffix, 40)}`;
    const id = `${stem}\u0000${tail}`;
    for (let n = this.last.get(id) ?? 1; ; n++) {
      const counter = n === 1 ? '' : ` #${n}`;
      const room = MAX_STATE_NAME - tail.length - counter.length;
      const name = `${shorten(stem, room)}${counter}${tail}`;
      if (!this.taken.has(name)) {
        this.taken.add(name);
        this.last.set(id, n);
        return name;
      }
    }
  }
}

function shorten(text: string, max: number): string {
  // Most names are short: spare them the copy into code points.
  if (text.length <= max) return text;
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}
