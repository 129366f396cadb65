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

/** An object `git cat-file --batch` answered: its full name, type and contents. */
interface GitObject {
  id: string;
  type: string;
  body: Buffer;
}

/**
 * One `git cat-file --batch` process, asked in rounds: `ask` writes a round's object names and resolves with the
 * answers in order (undefined for a name git reports missing or ambiguous). `close` ends it.
 */
function catFile(repoDir: string) {
  const child = spawn('git', ['-C', repoDir, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let buffered: Buffer = Buffer.alloc(0);
  let exited = false;
  let wake: (() => void) | undefined;
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    wake?.();
  });
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  child.stdin.on('error', () => undefined); // git gone: told by its exit
  const closed = new Promise<number | null>((resolve, reject) => {
    const end = () => {
      exited = true;
      wake?.();
    };
    child.once('error', (error) => {
      end();
      reject(error);
    });
    child.once('close', (code) => {
      end();
      resolve(code);
    });
  });
  closed.catch(() => undefined); // reported by `ask` or `close`
  const failure = () => new Error(`git cat-file failed in ${repoDir}: ${Buffer.concat(err).toString().trim()}`);

  /** The next whole answer: `<id> <type> <size>\n<contents>\n`, or `<name> missing|ambiguous\n`; null if partial. */
  function take(): GitObject | undefined | null {
    const headerEnd = buffered.indexOf(0x0a);
    if (headerEnd < 0) return null;
    const [id = '', type = '', size] = buffered.subarray(0, headerEnd).toString().split(' ');
    if (size === undefined) {
      buffered = buffered.subarray(headerEnd + 1);
      return undefined;
    }
    const end = headerEnd + 1 + Number(size);
    if (buffered.length <= end) return null;
    const body = buffered.subarray(headerEnd + 1, end);
    buffered = buffered.subarray(end + 1);
    return { id, type, body };
  }

  return {
    async ask(objects: string[]): Promise<Array<GitObject | undefined>> {
      if (objects.length === 0) return [];
      child.stdin.write(objects.map((object) => `${object}\n`).join(''));
      const answers: Array<GitObject | undefined> = [];
      while (answers.length < objects.length) {
        const answer = take();
        if (answer !== null) answers.push(answer);
        else if (exited) throw failure();
        else await new Promise<void>((resolve) => (wake = resolve));
      }
      return answers;
    },
    async close(): Promise<void> {
      child.stdin.end();
      if ((await closed) !== 0) throw failure();
    },
  };
}

/** A tree object's entries: `<mode> <name>\0<id, binary>` each (the id as long as the tree's own). */
function treeEntries(tree: GitObject): Array<{ mode: string; name: string; id: string }> {
  const idBytes = tree.id.length / 2;
  const entries = [];
  for (let at = 0; at < tree.body.length; ) {
    const space = tree.body.indexOf(0x20, at);
    const nul = tree.body.indexOf(0, space);
    entries.push({
      mode: tree.body.toString('latin1', at, space),
      name: tree.body.toString('utf8', space + 1, nul),
      id: tree.body.toString('hex', nul + 1, nul + 1 + idBytes),
    });
    at = nul + 1 + idBytes;
  }
  return entries;
}

/** A file of `.sci`'s tree (or `.sci` itself): mode 120000 is a symbolic link, its blob the target. */
interface TreeFile {
  link: boolean;
  object: string;
  path: string;
}

/**
 * The files under `.sci` at `sha` (what `git ls-tree -r <sha> -- .sci` lists: `.sci` itself when it is not a
 * folder), walked one folder level a round.
 */
async function sciFiles(git: ReturnType<typeof catFile>, repoDir: string, sha: string): Promise<TreeFile[]> {
  const [root] = await git.ask([`${sha}^{tree}`]);
  if (root?.type !== 'tree') throw new Error(`git cat-file failed in ${repoDir}: ${sha} names no commit`);
  const files: TreeFile[] = [];
  let folders: Array<{ path: string; id: string }> = [];
  const add = (path: string, mode: string, id: string) => {
    if (mode === '40000') folders.push({ path, id });
    else files.push({ link: mode === '120000', object: id, path });
  };
  const sci = treeEntries(root).find((entry) => entry.name === '.sci');
  if (sci) add('.sci', sci.mode, sci.id);
  while (folders.length > 0) {
    const level = folders;
    folders = [];
    const trees = await git.ask(level.map((folder) => folder.id));
    level.forEach(({ path }, i) => {
      const tree = trees[i];
      if (tree?.type !== 'tree') throw new Error(`git cat-file failed in ${repoDir}: ${path} is not a tree`);
      for (const entry of treeEntries(tree)) add(`${path}/${entry.name}`, entry.mode, entry.id);
    });
  }
  return files;
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

  /** The files, and every link's target, from one `git cat-file --batch` process. */
  private async readAt(sha: string): Promise<PipelineFile[]> {
    const git = catFile(this.repoDir);
    try {
      const entries = (await sciFiles(git, this.repoDir, sha))
        .filter((e) => e.link || isPipelineFile(e.path))
        .sort((a, b) => a.path.localeCompare(b.path));
      const blobs = await git.ask(entries.map((e) => e.object));
      return entries.map(({ link, path, object }, i) => {
        const blob = blobs[i];
        if (blob?.type !== 'blob') throw new Error(`git cat-file failed in ${this.repoDir}: ${object} is not a blob`);
        const text = blob.body.toString('utf8');
        return link ? { path, text: '', symlink: text } : { path, text };
      });
    } finally {
      await git.close().catch(() => undefined);
    }
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
