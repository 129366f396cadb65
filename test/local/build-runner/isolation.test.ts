/**
 * Steps as attackers: what a trusted step can't reach (the server's environment through
 * /proc), what an untrusted one can't (the server's files, user, processes and secrets), and
 * background processes that escape the step's process group (`setsid cmd &`), which must
 * neither outlive the step nor hang it. Real builds through the runner, on a real git repo.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { processLauncher } from '../../../local/build-runner/launcher.ts';
import { untrustedJail } from '../../../local/build-runner/isolation.ts';
import { runBuild, type BuildContext, type BuildOutcome } from '../../../local/build-runner/runner.ts';
import { initRepo } from '../../git-repo.ts';

/** In the server's environment (as SCI_SECRET_PROBE) only. */
const SERVER_SECRET = `server-env-${process.pid}-${Date.now()}`;
/** In the secrets directory, given to trusted steps that declare it. */
const SECRET = `file-secret-${process.pid}-${Date.now()}`;
let root: string;
let repo: string;
let sha: string;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'sci-isolation-'));
  repo = join(root, 'repo');
  sha = initRepo(repo, { README: 'hello\n' });
  mkdirSync(join(root, 'home', 'secrets'), { recursive: true });
  writeFileSync(join(root, 'home', 'secrets', 'TOKEN'), SECRET);
  // the "server": this process holds a secret in its environment, as sci serve would
  process.env.SCI_SECRET_PROBE = SERVER_SECRET;
});

after(() => {
  delete process.env.SCI_SECRET_PROBE;
  rmSync(root, { recursive: true, force: true });
});

async function build(
  commands: string[],
  opts: {
    untrusted?: boolean;
    timeoutMs?: number;
    signal?: AbortSignal;
    onStart?: () => Promise<void>;
    onLine?: (line: string) => void;
  } = {},
): Promise<BuildOutcome & { log: string }> {
  const home = join(root, 'home');
  const paths = {
    home,
    artifacts: join(home, 'artifacts'),
    cache: join(home, 'cache'),
    logs: join(home, 'logs'),
    work: join(home, 'work'),
    secrets: join(home, 'secrets'),
  };
  const ctx: BuildContext = {
    repoDir: repo,
    paths,
    runId: `run-${Math.random().toString(36).slice(2)}`,
    stepKey: 'step',
    timeoutMs: opts.timeoutMs ?? 60_000,
    signal: opts.signal ?? new AbortController().signal,
    hostEnv: process.env,
    untrusted: opts.untrusted ?? false,
    launcher: async () => ({ launcher: processLauncher }),
    onStart: opts.onStart ?? (async () => undefined),
    onLine: opts.onLine ?? (() => undefined),
  };
  const params = {
    SourceVersion: sha,
    BuildspecOverride: stringify({ version: 0.2, phases: { build: { commands } } }),
    EnvironmentVariablesOverride: [{ Name: 'TOKEN', Type: 'SECRETS_MANAGER' as const, Value: 'TOKEN' }],
  };
  const outcome = await runBuild(params, ctx);
  return { ...outcome, log: readFileSync(outcome.logFile, 'utf8') };
}

/** Processes whose command line holds `needle`, other than the one looking. */
function processesWith(needle: string): string[] {
  const out = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter((line) => line.includes(needle) && !line.includes('ps -eo'));
}

// every process of the step, its ancestors' environments included, searched for the secret
const HUNT_SERVER_ENV = `for f in /proc/[0-9]*/environ; do if tr '\\0' '\\n' < "$f" 2>/dev/null | grep -q "${'$'}{NEEDLE}"; then echo "FOUND in $f"; fi; done; echo hunted`;

describe('cancel', () => {
  it('a cancel while the workspace is being made (the step is starting) is not lost: the step never runs', async () => {
    const cancel = new AbortController();
    // the engine's cancel arrives while the runner still prepares: checkout, log, launcher, `running` write
    const outcome = await build(['echo the step ran', 'sleep 385.7'], {
      signal: cancel.signal,
      timeoutMs: 20_000,
      onStart: async () => cancel.abort('cancelled'),
    });
    assert.deepEqual([outcome.status, outcome.reason], ['STOPPED', 'cancelled']);
    assert.doesNotMatch(outcome.log, /the step ran/);
  });
});

describe('steps as attackers', () => {
  it('a background process that escapes the group (setsid) neither hangs the step nor outlives it', async () => {
    const started = Date.now();
    const outcome = await build([
      'setsid sleep 3117 &',
      '(setsid sleep 3118 &)',
      'nohup setsid bash -c "sleep 3119" > /dev/null 2>&1 &',
      'echo done',
    ]);
    assert.equal(outcome.status, 'SUCCEEDED', outcome.log);
    assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
    assert.deepEqual(
      [...processesWith('sleep 3117'), ...processesWith('sleep 3118'), ...processesWith('sleep 3119')],
      [],
    );
  });

  it('a cancel ends a step whose output is held open by an escaped process', async () => {
    const abort = new AbortController();
    // the cancel comes once the escaped process holds the output: it says so itself, after its setsid (a line of the
    // step's shell could come before the background process has left the group, and a group kill would then end it)
    const outcome = await build(["(setsid sh -c 'echo escaped; exec sleep 3120' &)", 'sleep 3121'], {
      signal: abort.signal,
      onLine: (line) => {
        if (line.includes('escaped')) abort.abort();
      },
    });
    assert.equal(outcome.status, 'STOPPED');
    assert.deepEqual([...processesWith('sleep 3120'), ...processesWith('sleep 3121')], []);
  });

  it("a trusted step can't read the server's environment through /proc", async () => {
    const outcome = await build([`NEEDLE=${SERVER_SECRET}`, HUNT_SERVER_ENV, 'env | grep -c SCI_SECRET_PROBE || true']);
    assert.equal(outcome.status, 'SUCCEEDED', outcome.log);
    assert.match(outcome.log, /hunted/);
    assert.doesNotMatch(outcome.log, /FOUND/);
    assert.match(outcome.log, /^0$/m, 'SCI_SECRET_* is not passed to steps');
  });

  it("an untrusted step can't read the server's files, environment, processes or secrets", async () => {
    const secretsFile = join(root, 'home', 'secrets', 'TOKEN');
    const outcome = await build(
      [
        `NEEDLE=${SERVER_SECRET}`,
        HUNT_SERVER_ENV,
        `NEEDLE=${SECRET}`,
        HUNT_SERVER_ENV,
        `cat ${secretsFile} && echo READ-SECRETS-FILE || true`,
        `ls ${root}/home/secrets && echo LISTED || true`,
        'echo "token=[$TOKEN]"',
        'echo "path=$PATH"',
        'id -u',
        `kill -0 ${process.pid} 2>/dev/null && echo SEES-SERVER || echo no-server`,
        'echo built > out.txt && cat out.txt',
      ],
      { untrusted: true },
    );
    assert.equal(outcome.status, 'SUCCEEDED', `${outcome.reason}\n${outcome.log}`);
    assert.match(outcome.log, /untrusted event: this step runs in a sandbox/);
    assert.doesNotMatch(outcome.log, /FOUND|READ-SECRETS-FILE|LISTED|SEES-SERVER/);
    assert.doesNotMatch(outcome.log, new RegExp(SECRET));
    assert.match(outcome.log, /token=\[\]/, 'no secrets for untrusted events');
    assert.match(outcome.log, /^path=(\/\S+\/bin:)?\/usr\/local\/sbin:/m);
    assert.match(outcome.log, /^built$/m, 'the workspace is writable');
    if (process.getuid?.() === 0) assert.match(outcome.log, /^65534$/m, 'as root, the step runs as nobody');
  });

  it('refuses an untrusted step when no sandbox is usable, unless the user opted in', () => {
    const refused = untrustedJail(root, root, 'sandbox', '/nonexistent/bwrap');
    assert.ok('refused' in refused);
    assert.match(refused.refused, /untrusted event.*bubblewrap.*--allow-untrusted/);
    const allowed = untrustedJail(root, root, 'allow', '/nonexistent/bwrap');
    assert.ok(!('refused' in allowed) && allowed.kind !== 'sandbox');
  });
});
