/**
 * The dashboard's queries over the RunStore port, the same for `sci serve`, `sci ui` and
 * `sci ui --stack`: the home (every pipeline with its last runs, grouped by `.sci/` folder),
 * a pipeline's runs page by page, and one run. Each is O(page), whatever the history's size.
 */
import type { PipelineSummary, RunFilter, RunPage, RunStore } from './ports.ts';

/** Runs per pipeline page. @default */
export const PIPELINE_PAGE_SIZE = 25;

export interface PipelineEntry extends PipelineSummary {
  /** The pipeline id's last segment (`prod` of `deploy/prod`). */
  name: string;
}

/** A `.sci/` folder: its pipelines and sub-folders, both sorted by name. */
export interface FolderNode {
  /** The folder's name; `''` at the root of a repository. */
  name: string;
  /** The folder's path from `.sci/` (`deploy/eu`). */
  path: string;
  pipelines: PipelineEntry[];
  folders: FolderNode[];
}

export interface HomeView {
  repos: Array<{ repo: string; root: FolderNode }>;
}

/** One read: the registry keeps each pipeline's newest runs. */
export async function homeView(store: RunStore): Promise<HomeView> {
  const entries = (await store.listPipelines()).map(
    (p): PipelineEntry => ({ ...p, name: p.pipeline.split('/').at(-1) ?? p.pipeline }),
  );
  const byRepo = new Map<string, PipelineEntry[]>();
  for (const entry of entries) byRepo.set(entry.repo, [...(byRepo.get(entry.repo) ?? []), entry]);
  return {
    repos: [...byRepo.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([repo, list]) => ({ repo, root: folderTree(list) })),
  };
}

/** Groups pipelines by the folders of their ids (`deploy/eu/prod` is `prod` in `deploy/eu`). */
export function folderTree(entries: PipelineEntry[]): FolderNode {
  const root: FolderNode = { name: '', path: '', pipelines: [], folders: [] };
  for (const entry of entries) {
    let node = root;
    for (const part of entry.pipeline.split('/').slice(0, -1)) {
      let child = node.folders.find((f) => f.name === part);
      if (!child) {
        child = { name: part, path: node.path ? `${node.path}/${part}` : part, pipelines: [], folders: [] };
        node.folders.push(child);
      }
      node = child;
    }
    node.pipelines.push(entry);
  }
  sortTree(root);
  return root;
}

function sortTree(node: FolderNode): void {
  node.pipelines.sort((a, b) => a.name.localeCompare(b.name));
  node.folders.sort((a, b) => a.name.localeCompare(b.name));
  node.folders.forEach(sortTree);
}

export interface PipelineQuery {
  repo: string;
  pipeline: string;
  after?: string;
  filter?: RunFilter;
  /** @default PIPELINE_PAGE_SIZE */
  limit?: number;
}

export function pipelineRuns(store: RunStore, q: PipelineQuery): Promise<RunPage> {
  return store.pageRuns({
    repo: q.repo,
    pipeline: q.pipeline,
    limit: q.limit ?? PIPELINE_PAGE_SIZE,
    ...(q.after ? { after: q.after } : {}),
    ...(q.filter ? { filter: q.filter } : {}),
  });
}
