/**
 * Pipeline files as they are on disk, committed or not: what `sci validate` checks, so a
 * user sees problems before committing.
 */
import type { Dirent } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { isPipelineFile, type PipelineFile } from '../../statemachines/pipeline/repo.ts';

/** Every `.sci/**.yml|yaml` under `repoDir`, with repository-relative `/` paths, sorted. */
export async function readWorkingTreePipelines(repoDir: string): Promise<PipelineFile[]> {
  const root = join(repoDir, '.sci');
  // symbolic links are returned as such (refused by validation), never followed: as git stores them
  const rootLink = await lstat(root).then(
    (s) => s.isSymbolicLink(),
    () => false,
  );
  if (rootLink) return [{ path: '.sci', text: '', symlink: await readlink(root) }];
  let entries: Dirent[];
  try {
    entries = await readdir(root, { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const pathOf = (e: Dirent) => relative(repoDir, join(e.parentPath, e.name)).split(sep).join('/');
  const files = entries
    .filter((e) => e.isFile())
    .map(pathOf)
    .filter(isPipelineFile);
  const links = entries.filter((e) => e.isSymbolicLink());
  return [
    ...(await Promise.all(files.map(async (path) => ({ path, text: await readFile(join(repoDir, path), 'utf8') })))),
    ...(await Promise.all(
      links.map(async (e) => ({ path: pathOf(e), text: '', symlink: await readlink(join(e.parentPath, e.name)) })),
    )),
  ].sort((a, b) => a.path.localeCompare(b.path));
}
