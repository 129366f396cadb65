/**
 * What every step of a run shares, computed once when the execution starts (the `run context`
 * Pass, the first state) and kept at `$.ctx`, instead of being repeated by every step's states:
 *  - `env`: the run-wide `SCI_*` variables as one shell text that the first command of every
 *    buildspec evaluates (`eval "$SCI_CONTEXT"`). Each value travels base64-encoded
 *    (`States.Base64Encode`), so the text holds only `[A-Za-z0-9+/=]` where event data goes: a
 *    branch named `$(curl evil)` is decoded into a variable, never parsed as shell;
 *  - `pk`: the run's partition key (`RUN#<id>`) every status write and gate uses;
 *  - `source`: the CodeBuild source version, `<ref>^{<sha>}`;
 *  - `artifacts`: the artifact path of the run, `runs/<id>` (`untrusted/runs/<id>` for an untrusted run);
 *  - `attempt`: `$$.Execution.RedriveCount` (0 before any redrive), the attempt gates are keyed by;
 *    a redrive adds `prev`, the step records of the attempt that failed (compile.ts, `run redrive`);
 *  - `pull`: when some step pulls its needs' artifacts, the shell functions that do it
 *    (artifact-pull.ts), which those steps evaluate from `SCI_PULL`.
 */
import type { Json, PassState } from '../asl/types.ts';
import { RUN_PREFIX } from '../lifecycle.ts';
import type { Pipeline } from '../pipeline/model.ts';
import { inputEnvName, member } from './context.ts';
import { formatEscape } from './templates.ts';

/** Where the run context lives in the state. */
export const CONTEXT = '$.ctx';

/** The buildspec command that defines the run-wide variables, first in every build. */
export const CONTEXT_COMMAND = 'eval "$SCI_CONTEXT"';

/** The variable that carries the run context into a build. */
export const CONTEXT_VARIABLE = 'SCI_CONTEXT';

/** Event values every step sees (docs/architecture.md "Environment"), by variable; numbers and booleans as text. */
const RUN_VALUES: Array<[string, string]> = [
  ['SCI_PIPELINE', '$.run.pipeline'],
  ['SCI_BRANCH', '$.run.branch'],
  ['SCI_TAG', '$.run.tag'],
  ['SCI_SHA', '$.run.sha'],
  ['SCI_REF', '$.run.ref'],
  ['SCI_EVENT', '$.run.event'],
  ['SCI_ACTOR', '$.run.actor'],
  ['SCI_REPO', '$.run.repo'],
  ['SCI_PR_NUMBER', "States.Format('{}', $.run.pr.number)"],
  ['SCI_PR_BASE', '$.run.pr.base'],
  ['SCI_PR_FORK', "States.Format('{}', $.run.pr.fork)"],
];

/** Every run-wide variable of `pipeline` (its declared inputs included) and the ASL expression of its text value. */
export function runVariables(pipeline: Pipeline): Array<[string, string]> {
  const inputs = Object.keys(pipeline.triggers.manual?.inputs ?? {}).sort();
  return [
    ...RUN_VALUES,
    ...inputs.map((name): [string, string] => [inputEnvName(name), `States.Format('{}', $.run.inputs${member(name)})`]),
  ];
}

/**
 * Defines `sci_b64 NAME BASE64`, which sets variable NAME to the decoded text. Under bash (buildspecs
 * ask for it; an image may not have it) the decoding is bash itself, with no process:
 * `"$(echo …|base64 -d)"` cost three forks and an exec per value, about 0.28 s of CPU per step for
 * the eleven run values (docs/benchmarks.md). The decoded bytes only pass through `printf -v` as
 * `\xHH` escapes, so no value is parsed as shell, and no command in it fails (a build may run under
 * `set -e`). It is defined through `eval '…'` so that a POSIX sh, which cannot parse it, never reads
 * it, and falls back to `base64 -d`. The text holds no backslash (asl-validator refuses an escaped
 * one in an intrinsic's string): `printf %q "a b"` gives `a\ b`, whose second character is one.
 */
export const DECODE_FUNCTION =
  'if [ -n "${BASH_VERSION-}" ]; then eval \'sci_b64() { local s=${2-} a=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/ o= c v h i b=0 n=0 e;' +
  ' printf -v e %q "a b"; e=${e:1:1};' +
  ' for ((i=0;i<${#s};i++)); do c=${s:i:1}; [[ $c == = ]] && break; v=${a%%"$c"*};' +
  ' b=$(((b<<6|${#v})&65535)); n=$((n+6)); if ((n>=8)); then n=$((n-8)); printf -v h %02x $((b>>n&255)); o+=${e}x$h; fi;' +
  ' done; printf -v "$1" %b "$o"; }\';' +
  ' else sci_b64() { sci_v=$(echo "${2-}" | base64 -d); eval "$1"\'="$sci_v"\'; }; fi';

/** `States.Format('sci_b64() …; sci_b64 A {}; sci_b64 B {}; …; export A B …', States.Base64Encode(…), …)`. */
function exportText(pipeline: Pipeline): string {
  const vars = runVariables(pipeline);
  const decodes = vars.map(([name]) => `sci_b64 ${name} {}; `).join('');
  // What most steps would carry alike comes as defaults (run-task.ts): a step whose display name is its key
  // gets no SCI_STEP of its own (the key it is), one whose needs all succeeded, whenever it runs, no
  // SCI_RUN_STATUS (`succeeded`), one with the pipeline's default timeout no SCI_STEP_TIMEOUT.
  const defaults = `"\${SCI_STEP:=$SCI_STEP_KEY}" "\${SCI_RUN_STATUS:=succeeded}" "\${SCI_STEP_TIMEOUT:=${pipeline.defaults.timeout}}"`;
  const step = formatEscape(`: ${defaults}; `);
  const text = `${formatEscape(`${DECODE_FUNCTION}; `)}${decodes}${step}export ${vars.map(([name]) => name).join(' ')} SCI_STEP SCI_RUN_STATUS SCI_STEP_TIMEOUT; unset -f sci_b64; unset sci_v`;
  return `States.Format('${text}', ${vars.map(([, value]) => `States.Base64Encode(${value})`).join(', ')})`;
}

/** The variable that carries the artifact pull's functions into a build that pulls. */
export const PULL_VARIABLE = 'SCI_PULL';

/** The first state of every definition: computes `$.ctx`, then goes to `next`. `pull`: the pull functions, '' when no step pulls. */
export function runContextState(pipeline: Pipeline, pull: string, next: string): PassState {
  const parameters: Record<string, Json> = {
    'env.$': exportText(pipeline),
    'pk.$': `States.Format('${RUN_PREFIX}{}', $.run.id)`,
    'source.$': "States.Format('{}^\\{{}\\}', $.run.ref, $.run.sha)",
    // the namespace the dispatcher chose from the event (run.builds: trusted or untrusted), then the run
    'artifacts.$': "States.Format('{}/{}', $.run.builds.artifacts, $.run.id)",
    // the attempt: 0, then the count of each Step Functions redrive (compile.ts, `run failed`)
    'attempt.$': '$$.Execution.RedriveCount',
    ...(pull ? { pull } : {}),
  };
  return { Type: 'Pass', Parameters: parameters, ResultPath: CONTEXT, Next: next };
}
