/**
 * zod issues → positioned diagnostics. zod says *what* is wrong at which data path; the
 * YAML nodes say *where*. Messages are rewritten for people who write YAML, not TypeScript.
 */
import type { z } from 'zod';
import type { Diagnostic } from '../diagnostics.ts';
import { keySpanOf, locate, spanOf, type Path, type YamlSource } from './yaml-source.ts';
import { didYouMean } from './suggest.ts';

type Issue = z.core.$ZodIssue;

/** Per-parse error map: friendlier wording for the issues the schema does not word itself. */
export function friendlyError(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${noun(issue.expected)}, got ${describe(issue.input)}`;
    case 'invalid_value': {
      const given = typeof issue.input === 'string' ? issue.input : '';
      const values = issue.values.map(String);
      return `expected one of ${values.join(', ')}, got ${describe(issue.input)}${didYouMean(given, values)}`;
    }
    case 'too_small':
      return issue.origin === 'array' ? 'must not be empty' : `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    default:
      return undefined;
  }
}

function noun(expected: string): string {
  const nouns: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    int: 'a whole number',
    boolean: 'true or false',
    array: 'a list',
    object: 'a mapping',
  };
  return nouns[expected] ?? expected;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  return String(value);
}

/** One diagnostic per problem; union failures report the branch that matched the value's type. */
export function issueDiagnostics(source: YamlSource, issues: readonly Issue[], prefix: Path = []): Diagnostic[] {
  return issues.flatMap((issue) => {
    const path: Path = [...prefix, ...(issue.path as Path)];
    switch (issue.code) {
      case 'unrecognized_keys': {
        const messages = issue.message.split('\n');
        return issue.keys.map((key, i) => ({
          code: 'unknown-key',
          message: messages[i] ?? `unknown key '${key}'`,
          path: [...path, key],
          span: keySpanOf(source, [...path, key]),
        }));
      }
      case 'invalid_union': {
        const relevant = issue.errors.filter(
          (branch) => !branch.every((i) => isTypeMismatch(i, valueAt(source.data, path))),
        );
        if (relevant.length === 1) return issueDiagnostics(source, relevant[0]!, path);
        return [{ code: 'schema', message: withKey(issue.message, path), path, span: spanOf(source, path) }];
      }
      case 'invalid_key':
        return [
          { code: 'schema', message: issue.issues[0]?.message ?? issue.message, path, span: keySpanOf(source, path) },
        ];
      default:
        return [
          missingKey(source, path) ?? {
            code: 'schema',
            message: withKey(issue.message, path),
            path,
            span: spanOf(source, path),
          },
        ];
    }
  });
}

/**
 * A union branch that failed only because the value has another type (a string where the
 * branch wants a mapping, a mapping where it wants one of some words) says nothing useful.
 */
function isTypeMismatch(issue: Issue, value: unknown): boolean {
  if (issue.path.length > 0) return false;
  return (
    issue.code === 'invalid_type' || (issue.code === 'invalid_value' && typeof value === 'object' && value !== null)
  );
}

function valueAt(data: unknown, path: Path): unknown {
  return path.reduce<unknown>(
    (value, key) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined),
    data,
  );
}

/** An issue at a path the file does not have is a required key that is missing. */
function missingKey(source: YamlSource, path: Path): Diagnostic | undefined {
  const key = path.at(-1);
  if (path.length === 0 || locate(source, path).complete || !locate(source, path.slice(0, -1)).complete)
    return undefined;
  return {
    code: 'missing-key',
    message: `missing required key '${String(key)}'`,
    path,
    span: spanOf(source, path.slice(0, -1)),
  };
}

/** Generic messages ("expected a list, got …", "must be at most 10") get the key they are about in front. */
function withKey(message: string, path: Path): string {
  const key = [...path].reverse().find((p) => typeof p === 'string');
  return /^(?:expected|must) /.test(message) && key !== undefined ? `${key}: ${message}` : message;
}
