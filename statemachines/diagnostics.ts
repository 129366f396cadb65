/**
 * Errors in a user's pipeline are values, never exceptions: every stage collects
 * them all and only the edges (CLI, commit status) turn them into text.
 */

/** A position in a pipeline file, 1-based. */
export interface SourceSpan {
  file: string;
  line: number;
  col: number;
  /** @default same as line/col (a point) */
  endLine?: number;
  endCol?: number;
}

export interface Diagnostic {
  /** Stable machine-readable code, e.g. `unknown-key`, `cycle`, `bad-duration`. */
  code: string;
  message: string;
  /** Path of the offending node in the YAML document, e.g. `['steps', 'test', 'needs', 0]`. */
  path: (string | number)[];
  span?: SourceSpan;
}

export type Result<T> = { ok: true; value: T } | { ok: false; diagnostics: Diagnostic[] };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(diagnostics: Diagnostic[]): Result<T> => ({ ok: false, diagnostics });

/**
 * Position of `offset` inside `text` that starts at `base`. Later lines keep the base column:
 * YAML block scalars strip one common indentation, so columns stay exact on every line.
 */
export function spanInText(text: string, base: SourceSpan, offset: number): SourceSpan {
  const newlines = newlineOffsets(text);
  // binary search: how many newlines come before `offset` (a scalar may hold 30,000 expressions)
  let [low, high] = [0, newlines.length];
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (newlines[middle]! < offset) low = middle + 1;
    else high = middle;
  }
  const lineStart = low === 0 ? 0 : newlines[low - 1]! + 1;
  return { file: base.file, line: base.line + low, col: base.col + offset - lineStart };
}

/** Newline offsets of the last few texts asked about (a template, then the expressions in it). */
const newlineCache = new Map<string, number[]>();

function newlineOffsets(text: string): number[] {
  let offsets = newlineCache.get(text);
  if (!offsets) {
    offsets = [];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) offsets.push(i);
    if (newlineCache.size >= 8) newlineCache.delete(newlineCache.keys().next().value as string);
    newlineCache.set(text, offsets);
  }
  return offsets;
}

/** `file:line:col: message`, the one format users see for a pipeline mistake. */
export function formatDiagnostic(d: Diagnostic, fallbackFile = '<pipeline>'): string {
  const where = d.span ? `${d.span.file}:${d.span.line}:${d.span.col}` : fallbackFile;
  return `${where}: ${d.message}`;
}

/** Sorted by file, line, column so output is deterministic whatever order checks ran in. */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      (a.span?.file ?? '').localeCompare(b.span?.file ?? '') ||
      (a.span?.line ?? 0) - (b.span?.line ?? 0) ||
      (a.span?.col ?? 0) - (b.span?.col ?? 0) ||
      a.message.localeCompare(b.message),
  );
}
