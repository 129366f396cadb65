import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  didYouMean,
  editDistance,
  MAX_SUGGESTED_LENGTH,
  withSuggestionBudget,
} from '../../../statemachines/pipeline/suggest.ts';

/** The full-table optimal-string-alignment distance, the judge for the banded one. */
function fullDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

describe('suggestions', () => {
  it('agrees with the full table up to the band, and says "more" beyond it', () => {
    // a deterministic generator over a 3-letter alphabet makes many near strings
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const word = () => Array.from({ length: next() % 9 }, () => 'abc'[next() % 3]).join('');
    for (let n = 0; n < 3000; n++) {
      const [a, b, max] = [word(), word(), next() % 4];
      const full = fullDistance(a, b);
      assert.equal(editDistance(a, b, max), full <= max ? full : max + 1, `${a} ${b} max ${max}`);
    }
  });

  it('compares two 30,000-character names in a band (no 4 GB table)', () => {
    const long = 'a'.repeat(30_000);
    assert.equal(editDistance(long, `${long}b`), 1);
    assert.equal(editDistance(long, 'b'.repeat(30_000)), 4);
    assert.equal(didYouMean(`${long}b`, [long]), '', 'names this long get no suggestion');
    assert.equal(
      didYouMean('x'.repeat(MAX_SUGGESTED_LENGTH - 1), ['x'.repeat(MAX_SUGGESTED_LENGTH)]),
      ` (did you mean '${'x'.repeat(MAX_SUGGESTED_LENGTH)}'?)`,
    );
  });

  it('stops suggesting once a file has spent its budget', () => {
    const candidates = Array.from({ length: 100 }, (_, i) => `step${String(i).padStart(3, '0')}`);
    const suggestions = withSuggestionBudget(
      () => Array.from({ length: 100 }, (_, i) => didYouMean(`stpe${String(i).padStart(3, '0')}`, candidates)),
      50_000,
    );
    assert.equal(suggestions[0], " (did you mean 'step000'?)");
    assert.equal(suggestions.at(-1), '');
    assert.equal(didYouMean('stpe099', candidates), " (did you mean 'step099'?)", 'the budget ends with its scope');
  });
});
