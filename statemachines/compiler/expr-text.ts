/** Prints an expression back as a user would write it, for skip reasons ("condition false: …"). */
import type { Expr } from '../pipeline/model.ts';

const PRECEDENCE = { '||': 1, '&&': 2, '==': 3, '!=': 3 } as const;

export function exprText(e: Expr, parent = 0): string {
  switch (e.kind) {
    case 'literal':
      return typeof e.value === 'string' ? `'${e.value.replace(/'/g, "''")}'` : String(e.value);
    case 'context':
      return e.path.join('.');
    case 'not':
      return `!${exprText(e.operand, 4)}`;
    case 'call':
      return `${e.name}(${e.args.map((a) => exprText(a)).join(', ')})`;
    case 'binary': {
      const p = PRECEDENCE[e.op];
      const text = `${exprText(e.left, p)} ${e.op} ${exprText(e.right, p + 1)}`;
      return p < parent ? `(${text})` : text;
    }
  }
}
