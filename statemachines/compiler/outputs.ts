/**
 * Step outputs (`outputs: [version]`): a run step appends `NAME=value` lines to `$SCI_OUTPUT`.
 * The buildspec reads that file into CodeBuild exported variables (`SCI_OUT_<name>`, declared
 * names only; the last line of a name wins), the `.sync` result's
 * `Build.ExportedEnvironmentVariables` is picked into `$.steps.<key>.exported`, and the success
 * write stores them on the step item and as `$.steps.<key>.outputs` for the steps after it.
 */
import type { Json } from '../asl/types.ts';

/**
 * Bytes one output may hold. Outputs travel in the execution's state (Step Functions caps a
 * state's input/output at 256 KiB) and on the step item (DynamoDB caps an item at 400 KB), so
 * each is kept small; the build fails with the name and the size when one is larger. A pipeline
 * that declares many outputs gets a smaller limit, the largest its runs' state can hold
 * (payload.ts), and no less than MIN_OUTPUT_LIMIT_BYTES.
 */
export const OUTPUT_LIMIT_BYTES = 4096;
export const MIN_OUTPUT_LIMIT_BYTES = 256;

/** The CodeBuild exported variable that carries output `name`. */
export function exportedName(name: string): string {
  return `SCI_OUT_${name}`;
}

/** The buildspec command that creates `$SCI_OUTPUT` before the step's own commands. */
export const OUTPUT_PRELUDE = 'export SCI_OUTPUT="$(mktemp)"';

/**
 * The buildspec command, after the step's own, that turns `$SCI_OUTPUT` into exported variables
 * and fails the build when one is over `limit` bytes.
 */
export function outputPostlude(names: string[], limit: number): string {
  const vars = names.map(exportedName);
  const cases = names.map((n) => `${n}=*) export ${exportedName(n)}="\${sci_line#${n}=}" ;;`).join(' ');
  return [
    `export ${vars.map((v) => `${v}=`).join(' ')}`,
    `while IFS= read -r sci_line || [ -n "$sci_line" ]; do case "$sci_line" in ${cases} esac; done < "$SCI_OUTPUT"`,
    `for sci_name in ${names.join(' ')}; do sci_var="SCI_OUT_$sci_name"; sci_size=$(printf %s "\${!sci_var}" | wc -c);` +
      ` if [ "$sci_size" -gt ${limit} ]; then` +
      ` echo "sci: output '$sci_name' is $sci_size bytes, over the limit of ${limit} bytes per output" >&2; exit 1; fi; done`,
  ].join('; ');
}

/** The build Task's ResultSelector: each declared output's exported value (a one-item list). */
export function exportedSelector(names: string[]): Record<string, Json> {
  return {
    exported: Object.fromEntries(
      names.map((n) => [`${n}.$`, `$.Build.ExportedEnvironmentVariables[?(@.Name == '${exportedName(n)}')].Value`]),
    ),
  };
}

/** The success write's DynamoDB value for the outputs, read from the build's result. */
export function outputsValue(key: string, names: string[]): Json {
  return { M: Object.fromEntries(names.map((n) => [n, { 'S.$': `$.steps.${key}.exported.${n}[0]` }])) };
}

/** The success write's ResultSelector part: the outputs as plain strings. */
export function outputsSelector(names: string[]): Record<string, Json> {
  return { outputs: Object.fromEntries(names.map((n) => [`${n}.$`, `$.Attributes.outputs.M.${n}.S`])) };
}
