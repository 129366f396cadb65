/**
 * Durable records of the process groups steps run in, so that crash recovery can end the groups a
 * SIGKILLed `sci run` left behind (they are detached: nothing else would stop them). A record
 * holds the leader's kernel start time as well as its pid; a pid whose start differs was reused
 * by an unrelated process and is never signalled.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCommand, type EngineName } from '../containers/engine.ts';
import { runProcsDir } from '../home.ts';
import { KILL_GRACE_MS, terminateGroup } from './process-group.ts';

/** One step's running process group (`procs/<runId>/<stepKey>.json`). */
export interface GroupRecord {
  pgid: number;
  pid: number;
  /** The leader's start time in clock ticks since boot (`/proc/<pid>/stat` field 22); null without /proc. */
  startedAt: string | null;
  host: string;
  /** Set when the group is a container engine's client: the container outlives a killed client. */
  container?: ContainerRef;
}

export interface ContainerRef {
  engine: EngineName;
  name: string;
}

interface ProcState {
  startedAt: string;
  zombie: boolean;
}

/** The start time and zombie state of `pid`, or undefined when no such process exists (or /proc is missing). */
export function procState(pid: number, procRoot = '/proc'): ProcState | undefined {
  let stat: string;
  try {
    stat = readFileSync(join(procRoot, String(pid), 'stat'), 'utf8');
  } catch {
    return undefined;
  }
  // the command name (field 2) may hold spaces and parentheses: fields are counted after the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const startedAt = fields[19];
  return startedAt ? { startedAt, zombie: fields[0] === 'Z' } : undefined;
}

/** Records the group `pid` leads in `file`, atomically (a reader sees the whole record or none). */
export async function writeGroupRecord(
  file: string,
  pid: number,
  procRoot = '/proc',
  container?: ContainerRef,
): Promise<void> {
  const record: GroupRecord = {
    pgid: pid,
    pid,
    startedAt: procState(pid, procRoot)?.startedAt ?? null,
    host: hostname(),
    ...(container ? { container } : {}),
  };
  const tmp = `${file}.tmp-${process.pid}`;
  for (let attempt = 1; ; attempt++) {
    try {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(tmp, JSON.stringify(record));
      await rename(tmp, file);
      return;
    } catch (error) {
      // another step's removeGroupRecord took the run's empty folder away in between
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 5) throw error;
    }
  }
}

/** Removes the record of a group that has ended, and the run's folder once it is empty. */
export async function removeGroupRecord(file: string): Promise<void> {
  await rm(file, { force: true });
  await rmdir(dirname(file)).catch(() => undefined); // ENOTEMPTY while other steps run
}

/** True when `record`'s leader is the very process that was recorded (alive, same start time). */
function isRecordedLeader(record: GroupRecord, procRoot: string): boolean {
  const state = procState(record.pid, procRoot);
  return state !== undefined && record.startedAt !== null && state.startedAt === record.startedAt;
}

/** Resolves once the recorded leader has exited (or is a zombie), at the latest after a few grace periods. */
async function leaderGone(record: GroupRecord, procRoot: string): Promise<void> {
  for (const deadline = Date.now() + 3 * KILL_GRACE_MS; Date.now() < deadline; await sleep(50)) {
    if (!isRecordedLeader(record, procRoot) || procState(record.pid, procRoot)?.zombie) return;
  }
}

let warnedNoProc = false;

async function readRecords(dir: string): Promise<{ file: string; record: GroupRecord }[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return Promise.all(
    names
      .filter((name) => name.endsWith('.json'))
      .map(async (name) => ({
        file: join(dir, name),
        record: JSON.parse(await readFile(join(dir, name), 'utf8')) as GroupRecord,
      })),
  );
}

/** Removes a recorded container (by its unique name, whatever its client's fate); an engine that does not answer is left alone. */
async function removeContainer(ref: ContainerRef, env: NodeJS.ProcessEnv): Promise<void> {
  await runCommand(ref.engine, ['rm', '--force', ref.name], env, 30_000);
}

/**
 * Ends every recorded process group of `runId` on this host whose leader is still the recorded
 * process (SIGTERM, SIGKILL after the grace period), removes the recorded containers, then removes
 * those records. Without /proc the start time cannot be checked, so no group is signalled and a
 * warning is printed once. Returns the number of groups signalled.
 */
export async function endRecordedGroups(
  home: string,
  runId: string,
  procRoot = '/proc',
  engineEnv: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const dir = runProcsDir(home, runId);
  const host = hostname();
  const mine = (await readRecords(dir)).filter(({ record }) => record.host === host);
  if (mine.length > 0 && !existsSync(join(procRoot, 'self', 'stat'))) {
    if (!warnedNoProc)
      process.stderr.write(
        `sci: cannot verify process start times without ${procRoot}; steps of abandoned runs were not stopped\n`,
      );
    warnedNoProc = true;
  }
  const live = mine.filter(({ record }) => isRecordedLeader(record, procRoot));
  await Promise.all(live.map(({ record }) => terminateGroup(record.pgid, leaderGone(record, procRoot))));
  await Promise.all(
    mine.flatMap(({ record }) => (record.container ? [removeContainer(record.container, engineEnv)] : [])),
  );
  await Promise.all(mine.map(({ file }) => removeGroupRecord(file)));
  await rmdir(dir).catch(() => undefined); // kept while another host's records are in it
  return live.length;
}
