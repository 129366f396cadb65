/**
 * The first phase of a build whose needs keep artifacts: it fetches each `runs/<runId>/<need>.zip`
 * from the artifact bucket with the step role and unpacks it into the checkout. CodeBuild's own
 * `SecondarySourcesOverride` would cap a step at 12 producers and fail the build when a failed
 * need uploaded nothing; this phase has no cap and treats a missing object as "kept nothing", so
 * an `always()` step after a failure still runs (docs/aws-review.md, "Compiler and dispatcher").
 *
 * It uses the AWS CLI when the image has it (CodeBuild's curated images do), else curl (≥ 7.75,
 * `--aws-sigv4`) with the container credentials CodeBuild serves to every build; then `unzip`.
 * `unzip` recreates the links the ZIP keeps (`enable-symlinks: yes`, run-task.ts) as links.
 * The local build runner runs the very same commands against its own artifact store.
 */

/** A shell function: `sci_get BUCKET KEY FILE` → 0 fetched, 1 no such object, 2 any other error. */
const GET = [
  'sci_get() {',
  '  if command -v aws >/dev/null 2>&1; then',
  '    err=$(aws s3 cp --only-show-errors "s3://$1/$2" "$3" 2>&1) && return 0',
  '  else',
  '    c=$(curl -fsS "http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") || return 2',
  `    v() { printf '%s' "$c" | sed -n "s/.*\\"$1\\" *: *\\"\\([^\\"]*\\)\\".*/\\1/p"; }`,
  '    err=$(curl -sS -o "$3" -w "%{http_code}" --aws-sigv4 "aws:amz:$AWS_REGION:s3" --user "$(v AccessKeyId):$(v SecretAccessKey)" \\',
  '      -H "x-amz-security-token: $(v Token)" "https://$1.s3.$AWS_REGION.amazonaws.com/$2" 2>&1)',
  '    [ "$err" = 200 ] && return 0',
  '  fi',
  '  case "$err" in *404*|*"Not Found"*|*NoSuchKey*) return 1 ;; esac',
  '  echo "cannot fetch s3://$1/$2: $err" >&2',
  '  return 2',
  '}',
].join('\n');

/** The variable holding the run's artifact prefix (`runs/<runId>`, or the untrusted namespace's), set for builds that pull. */
export const ARTIFACTS_VARIABLE = 'SCI_ARTIFACTS';

/**
 * The shell functions of the pull phase, written once per definition in the run context
 * (run-context.ts, `$.ctx.pull`) and passed to the builds that pull as `SCI_PULL`:
 * `sci_pull NEED…` fetches and unpacks each need's artifacts.
 */
export function pullFunctions(bucket: string): string {
  return [
    GET,
    'sci_pull() {',
    '  for n in "$@"; do',
    // removed whatever happened; a killed build's goes with its container (locally: its workspace's TMPDIR)
    '    f=$(mktemp "${TMPDIR:-/tmp}/sci-artifacts-XXXXXX") || return 2',
    // `|| s=$?`, not `; s=$?`: the phases run under `set -e`
    `    s=0; sci_get '${bucket}' "$${ARTIFACTS_VARIABLE}/$n.zip" "$f" || s=$?`,
    '    if [ $s -eq 0 ]; then unzip -qo "$f" -d "$CODEBUILD_SRC_DIR" || s=2; fi',
    '    rm -f "$f"',
    '    if [ $s -eq 1 ]; then echo "sci: $n kept no artifacts"; elif [ $s -ne 0 ]; then return 1; fi',
    '  done',
    '}',
  ].join('\n');
}

/** The pull phase's command: define the functions, then pull. */
export function pullCommand(needKeys: string[]): string {
  return `eval "$SCI_PULL" && sci_pull ${needKeys.join(' ')}`;
}
