import type { Octokit } from '@octokit/rest';
import type { PipelineSource, RepositoryReader } from '../core/ports.ts';
import type { PipelineFile } from '../../statemachines/pipeline/model.ts';

const PIPELINE_FILE = /\.ya?ml$/;

function split(repo: string): { owner: string; repo: string } {
  const [owner = '', name = ''] = repo.split('/');
  return { owner, repo: name };
}

/**
 * Pipeline files read through the GitHub REST API at the EXACT commit (git trees + blobs by
 * sha), never a branch name that may have moved since the push.
 */
export class GitHubRepositoryReader implements RepositoryReader {
  constructor(private readonly octokit: (repo: string) => Promise<Octokit>) {}

  source(repo: string): PipelineSource {
    return { readPipelineFiles: (sha) => this.readPipelineFiles(repo, sha) };
  }

  async readPipelineFiles(repo: string, sha: string): Promise<PipelineFile[]> {
    const gh = await this.octokit(repo);
    const root = await gh.rest.git.getTree({ ...split(repo), tree_sha: sha });
    const text = async (fileSha: string) => {
      const blob = await gh.rest.git.getBlob({ ...split(repo), file_sha: fileSha });
      return Buffer.from(blob.data.content, blob.data.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8');
    };
    // a symbolic link (mode 120000, its blob the target) is returned as one, for validation to refuse
    const rootLink = root.data.tree.find((entry) => entry.path === '.sci' && entry.mode === '120000' && entry.sha);
    if (rootLink) return [{ path: '.sci', text: '', symlink: await text(rootLink.sha as string) }];
    const sci = root.data.tree.find((entry) => entry.path === '.sci' && entry.type === 'tree');
    if (!sci?.sha) return [];
    const tree = await gh.rest.git.getTree({ ...split(repo), tree_sha: sci.sha, recursive: 'true' });
    if (tree.data.truncated) throw new Error(`${repo}@${sha}: .sci/ holds more entries than the trees API returns`);
    const blobs = tree.data.tree.filter(
      (e) => e.type === 'blob' && e.path && e.sha && (e.mode === '120000' || PIPELINE_FILE.test(e.path)),
    );
    const files = await Promise.all(
      blobs.map(async (e) => {
        const path = `.sci/${e.path as string}`;
        const content = await text(e.sha as string);
        return e.mode === '120000' ? { path, text: '', symlink: content } : { path, text: content };
      }),
    );
    return files.sort((a, b) => a.path.localeCompare(b.path));
  }

  async resolveBranch(repo: string, branch: string): Promise<string> {
    const gh = await this.octokit(repo);
    const ref = await gh.rest.git.getRef({ ...split(repo), ref: `heads/${branch}` });
    return ref.data.object.sha;
  }

  async changedFiles(repo: string, base: string, head: string): Promise<string[] | undefined> {
    if (!base || /^0+$/.test(base)) return undefined;
    const gh = await this.octokit(repo);
    const compare = await gh.rest.repos.compareCommitsWithBasehead({
      ...split(repo),
      basehead: `${base}...${head}`,
      per_page: 100,
    });
    const files = compare.data.files ?? [];
    // The compare API stops at 300 files: beyond that the list is partial, so filters must match.
    if (files.length >= 300) return undefined;
    return files.map((f) => f.filename).sort();
  }
}
