/**
 * Pipeline files of a local git repository at an exact commit, read with git itself
 * (execFile, never a shell), so `sci run` builds what the commit holds, not the working tree;
 * and the clone as the repository `sci serve` answers deliveries for.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type { PipelineSource, RepositoryReader } from '../core/ports.ts';
import type { PipelineFile } from '../../statemachines/pipeline/validate.ts';
import { isPipelineFile } from '../../statemachines/pipeline/repo.ts';

const run = promisify(execFile);
/** Object names are hex (SHA-1 or SHA-256); anything else could be read by git as an option. */
const OBJECT_NAME = /^[0-9a-f]{4,64}$/i;
/** A full SHA-1 or SHA-256 object id. */
export const FULL_OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
const MAX_BUFFER = 64 * 1024 * 1024;

async function git(repoDir: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run('git', ['-C', repoDir, ...args], { maxBuffer: MAX_BUFFER, encoding: 'utf8' });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(
      `git ${args[0]} failed in ${repoDir}: ${stderr || (error instanceof Error ? error.message : String(error))}`,
      { cause: error },
    );
  }
}

/**
 * The contents of the blobs named (full object names), in order, from one `git cat-file --batch`: one
 * process for all of a commit's pipeline files, not one each.
 */
async function readBlobs(repoDir: string, objects: string[]): Promise<string[]> {
  if (objects.length === 0) return [];
  const child = spawn('git', ['-C', repoDir, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  child.stdin.end(objects.map((object) => `${object}\n`).join(''));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`git cat-file failed in ${repoDir}: ${Buffer.concat(err).toString().trim()}`);
  // each answer is `<object> <type> <size>\n<contents>\n`, or `<object> missing\n`
  const all = Buffer.concat(out);
  let at = 0;
  return objects.map((object) => {
    const headerEnd = all.indexOf(0x0a, at);
    const [name, type, size] = all.subarray(at, headerEnd).toString().split(' ');
    if (name !== object || type !== 'blob' || size === undefined)
      throw new Error(`git cat-file failed in ${repoDir}: ${object} is not a blob`);
    const start = headerEnd + 1;
    at = start + Number(size) + 1;
    return all.subarray(start, start + Number(size)).toString('utf8');
  });
}

/**
 * The pipeline files read at recent commits, by repository and commit: what a commit holds never changes, and
 * a `sci run` reads them again when it dispatches and when its runs end (followers), a git process per file.
 */
const recent = new Map<string, Promise<PipelineFile[]>>();
const RECENT_COMMITS = 16;

/** `PipelineSource` over a local clone: `sci run` reads pipelines at the commit it builds. */
export class GitSource implements PipelineSource {
  constructor(private readonly repoDir: string) {}

  /** Every `.sci/**.yml|yaml` at `sha`, sorted by path, and every symbolic link under `.sci` (with its target). */
  async readPipelineFiles(sha: string): Promise<PipelineFile[]> {
    if (!OBJECT_NAME.test(sha)) throw new Error(`not a commit id: '${sha}'`);
    // only a full object name: an abbreviated one (or a hex-named ref) could come to name another commit
    if (!FULL_OBJECT_ID.test(sha)) return this.readAt(sha);
    const key = `${this.repoDir}\0${sha}`;
    let files = recent.get(key);
    if (!files) {
      files = this.readAt(sha);
      recent.set(key, files);
      files.catch(() => recent.delete(key));
      if (recent.size > RECENT_COMMITS) recent.delete(recent.keys().next().value as string);
    }
    return (await files).map((file) => ({ ...file }));
  }

  private async readAt(sha: string): Promise<PipelineFile[]> {
    // entries are `<mode> <type> <object>\t<path>`; mode 120000 is a symbolic link, its blob the target
    const entries = (await git(this.repoDir, ['ls-tree', '-r', '-z', sha, '--', '.sci']))
      .split('\0')
      .filter((e) => e !== '')
      .map((e) => ({
        link: e.startsWith('120000 '),
        object: e.slice(0, e.indexOf('\t')).split(' ')[2] ?? '',
        path: e.slice(e.indexOf('\t') + 1),
      }))
      .filter((e) => e.link || isPipelineFile(e.path))
      .sort((a, b) => a.path.localeCompare(b.path));
    const blobs = await readBlobs(
      this.repoDir,
      entries.map((e) => e.object),
    );
    return entries.map(({ link, path }, i) =>
      link ? { path, text: '', symlink: blobs[i] ?? '' } : { path, text: blobs[i] ?? '' },
    );
  }
}

/** `RepositoryReader` over the local clone `sci serve` serves: pipeline files, branch heads and diffs from git. */
export class GitRepository implements RepositoryReader {
  constructor(
    private readonly repoDir: string,
    private readonly files: PipelineSource = new GitSource(repoDir),
  ) {}

  source(): PipelineSource {
    return this.files;
  }

  async resolveBranch(_repo: string, branch: string): Promise<string> {
    return (
      await git(this.repoDir, ['rev-parse', '--verify', '--end-of-options', `refs/heads/${branch}^{commit}`])
    ).trim();
  }

  /** Undefined when either commit is not in the clone (path filters then match, as on a forge that cannot tell). */
  async changedFiles(_repo: string, base: string, head: string): Promise<string[] | undefined> {
    if (!OBJECT_NAME.test(base) || !OBJECT_NAME.test(head)) return undefined;
    try {
      return (await git(this.repoDir, ['diff', '--name-only', '-z', base, head, '--']))
        .split('\0')
        .filter((p) => p !== '');
    } catch {
      return undefined;
    }
  }
}
