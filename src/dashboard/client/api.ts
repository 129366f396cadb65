/** The page's calls to its server: JSON reads and actions (the custom header marks them as the page's own). */
export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const body = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

export async function act(path: string): Promise<string> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'x-sci-ui': '1', 'content-type': 'application/json' },
    body: '{}',
  });
  const body = (await res.json()) as { message?: string; error?: string };
  if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  return body.message ?? 'done';
}

export const runPath = (id: string) => `/runs/${encodeURIComponent(id)}`;
export const pipelinePath = (repo: string, id: string) => `/pipeline?${new URLSearchParams({ repo, id })}`;
