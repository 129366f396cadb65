/**
 * The YAML side of parsing: load a document keeping node ranges, turn syntax errors into
 * diagnostics, and map a data path (`['steps', 'test', 'needs', 0]`) back to a source span.
 */
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  Scalar,
  visit,
  type Document,
  type Node,
  type YAMLError,
} from 'yaml';
import { spanInText, type Result, type SourceSpan } from '../diagnostics.ts';

/** A data path into the document: map keys and list indexes. */
export type Path = (string | number)[];

/** A parsed file: the plain data and enough of the YAML to locate any path in it. */
export interface YamlSource {
  file: string;
  text: string;
  doc: Document.Parsed;
  lines: LineCounter;
  data: unknown;
}

/**
 * The largest pipeline file read (bytes of UTF-8); larger ones are refused before parsing.
 * 256 KB is thousands of steps, far more than one state machine holds (its definition is at most 1 MB).
 */
export const MAX_FILE_BYTES = 256 * 1024;
/** The longest map key (characters): names become env variables, state names and store keys. */
export const MAX_KEY_LENGTH = 128;
/** Names no key may have: in a plain object they are not data. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Parses one YAML document; every syntax error becomes a positioned diagnostic. */
export function loadYaml(file: string, text: string): Result<YamlSource> {
  if (Buffer.byteLength(text, 'utf8') > MAX_FILE_BYTES) {
    // the span is where the limit is crossed (characters ≥ bytes/4, so this is never past it)
    const span = spanInText(text, { file, line: 1, col: 1 }, Math.min(text.length, MAX_FILE_BYTES));
    return {
      ok: false,
      diagnostics: [
        { code: 'file-too-large', message: `pipeline file larger than ${MAX_FILE_BYTES / 1024} KB`, path: [], span },
      ],
    };
  }
  const tooDeep = excessiveNesting(text);
  if (tooDeep !== undefined) {
    const span = spanInText(text, { file, line: 1, col: 1 }, tooDeep);
    return {
      ok: false,
      diagnostics: [
        { code: 'yaml-syntax', message: `YAML: nested more than ${MAX_FLOW_DEPTH} levels deep`, path: [], span },
      ],
    };
  }
  const lines = new LineCounter();
  // logLevel 'error': yaml would otherwise print warnings to the console of whoever parses.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, logLevel: 'error' });
  const spanAt = (offset: number): SourceSpan => ({ file, ...lines.linePos(Math.min(offset, text.length)) });
  // Warnings are errors here: an unknown tag silently drops text (`if: !pr.fork && x` reads as `x`).
  const problems = [
    ...[...doc.errors, ...doc.warnings].map((e) => ({ message: problemMessage(e, text), offset: e.pos[0] })),
    ...keyProblems(doc),
  ];
  if (problems.length > 0) {
    return {
      ok: false,
      diagnostics: problems.map((p) => ({ code: 'yaml-syntax', message: p.message, path: [], span: spanAt(p.offset) })),
    };
  }
  try {
    // Aliases are expanded here; the limit keeps a "billion laughs" file from exhausting memory.
    const data: unknown = doc.toJS({ maxAliasCount: 100 });
    return { ok: true, value: { file, text, doc, lines, data } };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      diagnostics: [{ code: 'yaml-syntax', message: yamlMessage(message), path: [], span: spanAt(0) }],
    };
  }
}

function problemMessage(problem: YAMLError, text: string): string {
  if (problem.code === 'MULTIPLE_DOCS') return "YAML: a pipeline file holds one document (remove the '---')";
  if (problem.code === 'TAG_RESOLVE_FAILED') {
    const tag = /^!\S*/.exec(text.slice(problem.pos[0]))?.[0] ?? '!';
    return `YAML: '${tag}' is read as a YAML tag; quote the whole value if it is an expression`;
  }
  return yamlMessage(problem.message);
}

/** Deeper than any pipeline needs, shallow enough that the yaml library's recursion is safe. */
const MAX_FLOW_DEPTH = 64;

/**
 * Offset where `[`/`{` nesting first exceeds the limit (quotes and comments skipped), checked
 * before parsing because the yaml library recurses per level and would overflow the stack.
 */
function excessiveNesting(text: string): number | undefined {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
    } else if (c === '[' || c === '{') {
      if (++depth > MAX_FLOW_DEPTH) return i;
    } else if ((c === ']' || c === '}') && depth > 0) {
      depth--;
    }
  }
  return undefined;
}

/**
 * Keys a pipeline file can't have: a list or mapping as a key (`? [a]`), a key longer than
 * {@link MAX_KEY_LENGTH}, the same key twice in one map (checked here with a set: the yaml
 * library's own check compares every pair, quadratic in a map's size), and the names that are
 * an object's own machinery in JavaScript (`__proto__` would set a prototype, not a key).
 */
function keyProblems(doc: Document.Parsed): Array<{ message: string; offset: number }> {
  const found: Array<{ message: string; offset: number }> = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const key = pair.key as Node | null;
        const offset = key?.range?.[0] ?? 0;
        if (key === null) continue;
        if (!isScalar(key)) {
          found.push({ message: 'YAML: keys must be plain strings', offset });
          continue;
        }
        const name = String(key.value);
        if (name.length > MAX_KEY_LENGTH)
          found.push({ message: `YAML: key longer than ${MAX_KEY_LENGTH} characters`, offset });
        else if (RESERVED_KEYS.has(name))
          found.push({ message: `YAML: '${name}' can't be a name (it is reserved)`, offset });
        else if (seen.has(name)) found.push({ message: 'YAML: map keys must be unique', offset });
        seen.add(name);
      }
    },
  });
  return found;
}

/** yaml's messages start with a capital and sometimes carry a trailing context block. */
function yamlMessage(message: string): string {
  if (/maximum call stack/i.test(message)) return 'YAML: the document is nested too deeply';
  const first = message
    .split('\n')[0]!
    .replace(/\s+at line \d+, column \d+:?$/, '')
    .trim();
  return `YAML: ${first.charAt(0).toLowerCase()}${first.slice(1)}`;
}

interface Located {
  /** The deepest node the path reached. */
  node: Node | undefined;
  /** The key node of the last map entry walked, when the path ended on one. */
  key: Node | undefined;
  /** Whether the whole path resolved. */
  complete: boolean;
}

type MapNode = Extract<Node, { items: unknown[] }> & { items: Array<{ key: unknown; value: unknown }> };
const PAIRS = new WeakMap<object, Map<string, { key: unknown; value: unknown }>>();

/** A map's entries by key (first one wins, as a linear search would), built once per map node. */
function pairsOf(node: MapNode): Map<string, { key: unknown; value: unknown }> {
  let pairs = PAIRS.get(node);
  if (!pairs) {
    pairs = new Map();
    for (const p of node.items)
      if (isScalar(p.key) && !pairs.has(String(p.key.value))) pairs.set(String(p.key.value), p);
    PAIRS.set(node, pairs);
  }
  return pairs;
}

/** Walks the YAML nodes along a data path as far as it goes. */
export function locate(source: YamlSource, path: Path): Located {
  let node = source.doc.contents as Node | null;
  let key: Node | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = pairsOf(node).get(String(segment));
      if (!pair) return { node, key: undefined, complete: false };
      key = pair.key as Node;
      node = (pair.value as Node | null) ?? null;
      if (node === null) return { node: key, key, complete: true };
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      key = undefined;
      node = node.items[segment] as Node;
    } else {
      return { node: node ?? undefined, key, complete: false };
    }
  }
  return { node: node ?? undefined, key, complete: true };
}

/** Span of the node at `path`, or of the nearest ancestor that exists. */
export function spanOf(source: YamlSource, path: Path): SourceSpan {
  return nodeSpan(source, locate(source, path).node);
}

/** Span of the key of the map entry at `path` (for unknown-key and duplicate-name errors). */
export function keySpanOf(source: YamlSource, path: Path): SourceSpan {
  const found = locate(source, path);
  return nodeSpan(source, found.complete && found.key ? found.key : found.node);
}

function nodeSpan(source: YamlSource, node: Node | undefined): SourceSpan {
  const range = node?.range;
  if (!range) return { file: source.file, line: 1, col: 1 };
  const start = source.lines.linePos(range[0]);
  const end = source.lines.linePos(range[1]);
  return { file: source.file, line: start.line, col: start.col, endLine: end.line, endCol: end.col };
}

/**
 * Where the scalar's text starts, so an expression error points at the exact column inside
 * it: after the opening quote, or at the first content line of a block scalar (whose lines
 * share one indentation, so columns stay exact on every line).
 */
export function valueSpan(source: YamlSource, path: Path): SourceSpan {
  const { node, complete } = locate(source, path);
  if (!complete || !isScalar(node) || !node.range) return spanOf(source, path);
  let offset = node.range[0];
  if (node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE) offset += 1;
  if (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) {
    // a regex from `offset` rather than on a slice: slicing copies the rest of the file each time
    const firstLine = /\n(?:[ \t]*\n)*[ \t]*(?=\S)/g;
    firstLine.lastIndex = offset;
    const match = firstLine.exec(source.text);
    if (match) offset = match.index + match[0].length;
  }
  return { file: source.file, ...source.lines.linePos(offset) };
}

/** Map keys in file order (JS objects put integer-like keys first, the file does not). */
export function keysInOrder(source: YamlSource, path: Path): string[] {
  const { node, complete } = locate(source, path);
  if (!complete || !isMap(node)) return [];
  return node.items.flatMap((p) => (isScalar(p.key) ? [String(p.key.value)] : []));
}
