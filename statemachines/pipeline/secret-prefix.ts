/**
 * On AWS the step role reads only Secrets Manager names under one prefix and SSM parameters under
 * one path (`sci/`, `/sci/` unless the stack is configured otherwise), so a reference outside them
 * would start a run whose step fails later with AccessDenied. The dispatcher, which knows the
 * deployed prefixes, refuses such a commit with the reference's position; `sci validate` warns
 * against the defaults (or `--secrets-prefix`). docs/aws-review.md, "Secrets outside the readable prefix".
 */
import type { Diagnostic } from '../diagnostics.ts';
import type { Pipeline, SecretRef } from './model.ts';

export interface SecretPrefixes {
  /** Secrets Manager name prefix, e.g. `sci/`. */
  secretsManager: string;
  /** SSM parameter path prefix, e.g. `/sci/`. */
  parameterStore: string;
}

/** The stack's defaults (infra/config.ts `sci:secretsPrefix`, `sci:parametersPrefix`). */
export const DEFAULT_SECRET_PREFIXES: SecretPrefixes = { secretsManager: 'sci/', parameterStore: '/sci/' };

/** The SSM path that goes with a Secrets Manager prefix: `team/ci/` → `/team/ci/`. */
export function prefixesFor(secretsManager: string): SecretPrefixes {
  return { secretsManager, parameterStore: `/${secretsManager.replace(/^\/+/, '')}` };
}

/**
 * The secret's name as IAM sees it: a full ARN's `secret:<name>` (with its random 6-character
 * suffix, which the prefix test ignores), else the part before a `:json-key:stage:version` suffix.
 */
function secretName(id: string): string {
  if (id.startsWith('arn:')) return id.split(':secret:')[1] ?? id;
  return id.split(':')[0] ?? id;
}

function outside(ref: SecretRef, prefixes: SecretPrefixes): string | undefined {
  if (ref.store === 'ssm') return ref.id.startsWith(prefixes.parameterStore) ? undefined : prefixes.parameterStore;
  return secretName(ref.id).startsWith(prefixes.secretsManager) ? undefined : prefixes.secretsManager;
}

/** Every secret reference of `pipeline` (image credentials included) that the step role cannot read, at its position. */
export function secretsOutsidePrefix(pipeline: Pipeline, prefixes: SecretPrefixes): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const seen = new Set<SecretRef>();
  for (const step of pipeline.steps) {
    if (step.kind !== 'run') continue;
    const refs: Array<[SecretRef, (string | number)[]]> = Object.entries(step.secrets).map(([name, ref]) => [
      ref,
      ['steps', step.name, 'secrets', name],
    ]);
    // registry credentials are read with the same role; a default's are reported once
    const credentials = step.imageCredentials;
    if (credentials && !seen.has(credentials)) {
      seen.add(credentials);
      const inherited = credentials === pipeline.defaults.imageCredentials;
      refs.push([credentials, [...(inherited ? ['defaults'] : ['steps', step.name]), 'image', 'credentials']]);
    }
    for (const [ref, path] of refs) {
      const prefix = outside(ref, prefixes);
      if (prefix === undefined) continue;
      const store = ref.store === 'ssm' ? 'SSM parameter' : 'secret';
      problems.push({
        code: 'secret-outside-prefix',
        message: `${store} '${ref.id}' is outside '${prefix}', the only ${ref.store === 'ssm' ? 'path' : 'prefix'} steps may read on AWS: store it as '${prefix}${(ref.store === 'ssm' ? ref.id : secretName(ref.id)).replace(/^\/+/, '')}'`,
        path,
        span: ref.span,
      });
    }
  }
  return problems;
}
