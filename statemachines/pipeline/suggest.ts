/**
 * "Did you mean …?" for unknown names (keys, needs, contexts): the candidate with the
 * smallest edit distance, if it is close enough to be a plausible typo.
 *
 * The work is bounded whatever the input: the distance is computed only inside a band of
 * `max` cells around the diagonal (O(length × max), two rows of memory), and names longer
 * than {@link MAX_SUGGESTED_LENGTH} get no suggestion at all. Across one file, suggestions
 * share a budget of table cells ({@link withSuggestionBudget}): a file of thousands of
 * unknown names among thousands of candidates gets its first suggestions, then none.
 */

/** The farthest a suggestion may be from the word. */
export const MAX_SUGGESTION_DISTANCE = 3;
/** Longer words (or candidates) are not compared: no one mistypes a 200-character key. */
export const MAX_SUGGESTED_LENGTH = 64;

/** Table cells one file's suggestions may compute (a few milliseconds of work). */
export const SUGGESTION_BUDGET_CELLS = 2_000_000;

let budget = Number.POSITIVE_INFINITY;

/** Runs `work` (synchronous) with suggestions limited to `cells` table cells in total. */
export function withSuggestionBudget<T>(work: () => T, cells = SUGGESTION_BUDGET_CELLS): T {
  const outer = budget;
  budget = Math.min(outer, cells);
  try {
    return work();
  } finally {
    budget = outer;
  }
}

/**
 * Edit distance where an insert, delete, substitution or swap of neighbours costs 1
 * (`stpes` → `steps` is 1), or `max + 1` as soon as it is known to exceed `max`.
 */
export function editDistance(a: string, b: string, max = MAX_SUGGESTION_DISTANCE): number {
  const over = max + 1;
  if (Math.abs(a.length - b.length) > max) return over;
  // rows i-2, i-1 and i of the table; only the band |i - j| ≤ max is computed, and the cells
  // just outside it that the next row reads are set to `over`
  let older = new Array<number>(b.length + 1).fill(over);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => (j <= max ? j : over));
  let row = new Array<number>(b.length + 1).fill(over);
  for (let i = 1; i <= a.length; i++) {
    const lo = Math.max(1, i - max);
    const hi = Math.min(b.length, i + max);
    row[0] = i <= max ? i : over;
    row[lo - 1] = lo === 1 ? row[0] : over;
    let rowBest = over;
    for (let j = lo; j <= hi; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, older[j - 2]! + 1);
      row[j] = Math.min(best, over);
      rowBest = Math.min(rowBest, row[j]!);
    }
    if (hi < b.length) row[hi + 1] = over;
    if (rowBest > max) return over;
    [older, prev, row] = [prev, row, older];
  }
  return prev[b.length]!;
}

/**
 * The nearest candidate within a third of the word's length (at most 3 edits; words shorter
 * than 3 letters only match case-insensitively), so `need` suggests `needs` but `c` does
 * not suggest `a`.
 */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length > MAX_SUGGESTED_LENGTH) return undefined;
  const limit = word.length < 3 ? 0 : Math.min(MAX_SUGGESTION_DISTANCE, Math.max(1, Math.floor(word.length / 3)));
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    if (name.length > MAX_SUGGESTED_LENGTH || Math.abs(name.length - word.length) > limit) continue;
    budget -= Math.min(word.length, name.length) * (2 * limit + 1) + 1;
    if (budget < 0) return undefined;
    const distance = editDistance(word.toLowerCase(), name.toLowerCase(), limit);
    if (distance <= limit && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** ` (did you mean 'needs'?)` or an empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = nearest(word, candidates);
  return match === undefined ? '' : ` (did you mean '${match}'?)`;
}
