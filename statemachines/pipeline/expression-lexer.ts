/**
 * Tokens of the expression language (`branch == 'main' && !pr.fork`). Offsets are
 * relative to the expression text; the parser turns them into source spans.
 */

export type Token =
  | { type: 'ident'; value: string; start: number; end: number }
  | { type: 'string'; value: string; start: number; end: number }
  | { type: 'number'; value: number; start: number; end: number }
  | { type: 'op'; value: '==' | '!=' | '&&' | '||' | '!' | '(' | ')' | ',' | '.'; start: number; end: number }
  | { type: 'eof'; start: number; end: number };

/** A mistake in an expression, at an offset into its text (returned by the lexer, thrown by the parser). */
export class ExpressionError {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}

const OPERATORS = ['==', '!=', '&&', '||', '!', '(', ')', ',', '.'] as const;
const IDENT = /[A-Za-z_][A-Za-z0-9_-]*/y;
const NUMBER = /-?\d+(?:\.\d+)?(?![A-Za-z_])/y;

/** Splits an expression into tokens, ending with `eof`; returns a ExpressionError for bad input. */
export function tokenize(text: string): Token[] | ExpressionError {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const token = c === "'" ? readString(text, i) : readOther(text, i);
    if (token instanceof ExpressionError) return token;
    tokens.push(token);
    i = token.end;
  }
  tokens.push({ type: 'eof', start: text.length, end: text.length });
  return tokens;
}

/** Single-quoted, `''` inside stands for one quote (as in GitHub Actions). */
function readString(text: string, start: number): Token | ExpressionError {
  let value = '';
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] !== "'") {
      value += text[i];
    } else if (text[i + 1] === "'") {
      value += "'";
      i++;
    } else {
      return { type: 'string', value, start, end: i + 1 };
    }
  }
  return new ExpressionError("unterminated string (missing closing ')", start);
}

function readOther(text: string, start: number): Token | ExpressionError {
  for (const pattern of [NUMBER, IDENT]) {
    pattern.lastIndex = start;
    const match = pattern.exec(text);
    if (match) {
      const end = start + match[0].length;
      return pattern === NUMBER
        ? { type: 'number', value: Number(match[0]), start, end }
        : { type: 'ident', value: match[0], start, end };
    }
  }
  const op = OPERATORS.find((o) => text.startsWith(o, start));
  if (op) return { type: 'op', value: op, start, end: start + op.length };
  if (text[start] === '"') return new ExpressionError("strings use single quotes: 'like this'", start);
  if (text[start] === '=') return new ExpressionError("use '==' to compare", start);
  return new ExpressionError(`unexpected character '${text[start]}'`, start);
}
