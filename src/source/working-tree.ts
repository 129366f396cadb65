/**
 * Pipeline files as they are on disk, committed or not: what `sci validate` checks, so a
 * user sees problems before committing.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { isPipelineFile } from '../../statemachines/pipeline/repo.ts';

/** Every `.sci/**.yml|yaml` under `repoDir`, with repository-relative `/` paths, sorted. */
export async function readWorkingTreePipelines(repoDir: string): Promise<Array<{ path: string; text: string }>> {
  const root = join(repoDir, '.sci');
  let entries: Dirent[];
  try {
    entries = await readdir(root, { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const paths = entries
    .filter((e) => e.isFile())
    .map((e) => relative(repoDir, join(e.parentPath, e.name)).split(sep).join('/'))
    .filter(isPipelineFile)
    .sort();
  return Promise.all(paths.map(async (path) => ({ path, text: await readFile(join(repoDir, path), 'utf8') })));
}
