/**
 * The expression language of `if:` and `${{ }}`: a small recursive-descent parser with
 * GitHub Actions precedence (`!` > `== !=` > `&&` > `||`). Only shapes Step Functions
 * Choice rules can decide are accepted, so every `if` compiles without evaluation at runtime.
 */
import { fail, ok, spanInText, type Diagnostic, type Result, type SourceSpan } from '../diagnostics.ts';
import { CONTEXT_ROOTS, type ContextRoot, type Expr, type Template } from './model.ts';
import { didYouMean } from './suggest.ts';
import { ExpressionError, tokenize, type Token } from './expression-lexer.ts';
import { checkCall, checkContextPath, FUNCTIONS, type CallName } from './expression-rules.ts';

export { FUNCTIONS, STATUS_FUNCTIONS } from './expression-rules.ts';

/** Bounds that keep a hostile file from exhausting the stack of everything that walks the tree. */
const MAX_DEPTH = 32;
const MAX_LENGTH = 4096;

/** Parses one expression (the inside of `${{ }}`, or an `if:` value). */
export function parseExpression(text: string, span: SourceSpan): Result<Expr> {
  if (text.length > MAX_LENGTH) {
    return fail([
      { code: 'bad-expression', message: `expression: longer than ${MAX_LENGTH} characters`, path: [], span },
    ]);
  }
  const tokens = tokenize(text);
  const failure = (e: { message: string; offset: number }) =>
    fail<Expr>([
      { code: 'bad-expression', message: `expression: ${e.message}`, path: [], span: spanInText(text, span, e.offset) },
    ]);
  if (tokens instanceof ExpressionError) return failure(tokens);
  try {
    const parser = new Parser(text, tokens, span);
    const expr = parser.parseOr();
    parser.expectEnd();
    return ok(expr);
  } catch (error) {
    if (error instanceof ExpressionError) return failure(error);
    throw error;
  }
}

/**
 * An `if:` value: an expression, optionally wrapped in `${{ }}` as GitHub Actions allows
 * (`if: ${{ branch == 'main' }}`), with positions still pointing into the original text.
 */
export function parseCondition(text: string, span: SourceSpan): Result<Expr> {
  const wrapped = /^(\s*\$\{\{)([\s\S]*)\}\}\s*$/.exec(text);
  if (!wrapped || wrapped[2]!.includes('${{')) return parseExpression(text, span);
  return parseExpression(wrapped[2]!, spanInText(text, span, wrapped[1]!.length));
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
    private readonly base: SourceSpan,
  ) {}

  /** Every nesting (parentheses, `!`, call arguments) passes here, so depth is bounded before the stack is. */
  parseOr(): Expr {
    if (++this.depth > MAX_DEPTH)
      throw new ExpressionError(`expression nested more than ${MAX_DEPTH} levels deep`, this.peek().start);
    const expr = this.binary(['||'], () => this.binary(['&&'], () => this.parseComparison()));
    this.depth--;
    return expr;
  }

  expectEnd(): void {
    const token = this.peek();
    if (token.type !== 'eof') throw new ExpressionError(`unexpected ${describe(token)}`, token.start);
  }

  private binary(ops: string[], next: () => Expr): Expr {
    let left = next();
    while (this.peekOp(...ops)) {
      const op = this.takeOp() as '&&' | '||';
      const right = next();
      left = { kind: 'binary', op, left, right, span: this.spanFrom(left.span, right.span) };
    }
    return left;
  }

  private parseComparison(): Expr {
    const left = this.parseUnary();
    if (!this.peekOp('==', '!=')) return left;
    const op = this.takeOp() as '==' | '!=';
    const right = this.parseUnary();
    if (this.peekOp('==', '!=')) throw new ExpressionError('chained comparison: add parentheses', this.peek().start);
    return { kind: 'binary', op, left, right, span: this.spanFrom(left.span, right.span) };
  }

  private parseUnary(): Expr {
    const bangs: Token[] = [];
    while (this.peekOp('!')) bangs.push(this.take());
    if (bangs.length > MAX_DEPTH) throw new ExpressionError(`more than ${MAX_DEPTH} '!' in a row`, bangs[0]!.start);
    let expr = this.parsePrimary();
    for (const bang of bangs.reverse())
      expr = { kind: 'not', operand: expr, span: this.spanFrom(this.at(bang.start), expr.span) };
    return expr;
  }

  private parsePrimary(): Expr {
    const token = this.take();
    const span = this.at(token.start, token.end);
    if (token.type === 'string' || token.type === 'number') return { kind: 'literal', value: token.value, span };
    if (token.type === 'op' && token.value === '(') {
      const inner = this.parseOr();
      this.expectOp(')', "missing ')'");
      return inner;
    }
    if (token.type !== 'ident') throw new ExpressionError(`expected a value, got ${describe(token)}`, token.start);
    if (token.value === 'true' || token.value === 'false')
      return { kind: 'literal', value: token.value === 'true', span };
    if (token.value === 'null') return { kind: 'literal', value: null, span };
    return this.peekOp('(') ? this.parseCall(token) : this.parseContext(token);
  }

  private parseCall(name: Token & { type: 'ident' }): Expr {
    if (!Object.hasOwn(FUNCTIONS, name.value)) {
      throw new ExpressionError(
        `unknown function '${name.value}'${didYouMean(name.value, Object.keys(FUNCTIONS))}`,
        name.start,
      );
    }
    this.take();
    const args: Expr[] = [];
    while (!this.peekOp(')')) {
      if (args.length > 0) this.expectOp(',', "expected ',' or ')'");
      args.push(this.parseOr());
    }
    const close = this.take();
    const call: Expr = { kind: 'call', name: name.value as CallName, args, span: this.at(name.start, close.end) };
    checkCall(call, name.start);
    return call;
  }

  private parseContext(first: Token & { type: 'ident' }): Expr {
    if (!(CONTEXT_ROOTS as readonly string[]).includes(first.value)) {
      throw new ExpressionError(
        `unknown context '${first.value}'${didYouMean(first.value, CONTEXT_ROOTS)}`,
        first.start,
      );
    }
    const root = first.value as ContextRoot;
    const path: [ContextRoot, ...string[]] = [root];
    let end = first.end;
    while (this.peekOp('.')) {
      this.take();
      const field = this.take();
      if (field.type !== 'ident')
        throw new ExpressionError(`expected a name after '.', got ${describe(field)}`, field.start);
      path.push(field.value);
      end = field.end;
    }
    checkContextPath(path, first.start);
    return { kind: 'context', path, span: this.at(first.start, end) };
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private take(): Token {
    const token = this.peek();
    if (token.type !== 'eof') this.index++;
    return token;
  }

  /** Only called after peekOp() has seen an operator. */
  private takeOp(): string {
    const token = this.take();
    return token.type === 'op' ? token.value : '';
  }

  private peekOp(...ops: string[]): boolean {
    const token = this.peek();
    return token.type === 'op' && ops.includes(token.value);
  }

  private expectOp(op: string, message: string): void {
    if (!this.peekOp(op)) throw new ExpressionError(message, this.peek().start);
    this.take();
  }

  private at(start: number, end = start): SourceSpan {
    const from = spanInText(this.text, this.base, start);
    const to = spanInText(this.text, this.base, end);
    return { ...from, endLine: to.line, endCol: to.col };
  }

  private spanFrom(first: SourceSpan, last: SourceSpan): SourceSpan {
    return { ...first, endLine: last.endLine ?? last.line, endCol: last.endCol ?? last.col };
  }
}

function describe(token: Token): string {
  return token.type === 'eof' ? 'end of expression' : `'${token.value}'`;
}

/**
 * Parses a string that may contain `${{ expr }}` parts. All expression errors are reported,
 * each at its own column.
 */
export function parseTemplate(text: string, span: SourceSpan): Result<Template> {
  const parts: Template['parts'] = [];
  const diagnostics: Diagnostic[] = [];
  let cursor = 0;
  while (cursor < text.length) {
    const open = text.indexOf('${{', cursor);
    if (open < 0) break;
    if (open > cursor) parts.push({ text: text.slice(cursor, open) });
    const close = findClose(text, open + 3);
    if (close < 0) {
      diagnostics.push({
        code: 'bad-expression',
        message: "unterminated '${{' (missing '}}')",
        path: [],
        span: spanInText(text, span, open),
      });
      return fail(diagnostics);
    }
    const inner = text.slice(open + 3, close);
    const innerSpan = spanInText(text, span, open + 3);
    if (inner.trim() === '') {
      diagnostics.push({
        code: 'bad-expression',
        message: "empty expression '${{ }}'",
        path: [],
        span: spanInText(text, span, open),
      });
    } else {
      const expr = parseExpression(inner, innerSpan);
      if (expr.ok) parts.push({ expr: expr.value });
      else diagnostics.push(...expr.diagnostics);
    }
    cursor = close + 2;
  }
  if (cursor < text.length) parts.push({ text: text.slice(cursor) });
  return diagnostics.length > 0 ? fail(diagnostics) : ok({ parts, span });
}

/** Index of the `}}` closing an expression, skipping quoted strings. */
function findClose(text: string, from: number): number {
  let quoted = false;
  for (let i = from; i < text.length; i++) {
    if (text[i] === "'") quoted = !quoted;
    else if (!quoted && text.startsWith('}}', i)) return i;
  }
  return -1;
}

/** Every node of an expression, depth first (for checks that look for contexts or calls). */
export function* walkExpr(expr: Expr): Generator<Expr> {
  yield expr;
  if (expr.kind === 'not') yield* walkExpr(expr.operand);
  if (expr.kind === 'binary') {
    yield* walkExpr(expr.left);
    yield* walkExpr(expr.right);
  }
  if (expr.kind === 'call') for (const arg of expr.args) yield* walkExpr(arg);
}
