/** A loopback stand-in for the GitHub REST API: fixed pipeline files at one commit (every branch's head), recorded statuses. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGitHub {
  baseUrl: string;
  statuses: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function fakeGitHub(repo: string, sha: string, files: Record<string, string>): Promise<FakeGitHub> {
  const statuses: Array<Record<string, unknown>> = [];
  const names = Object.keys(files);
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '').split('?')[0] ?? '');
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const base = `/repos/${repo}`;
      if (path === `${base}/git/trees/${sha}`)
        return json(200, { tree: [{ path: '.sci', type: 'tree', sha: 'sci' }], truncated: false });
      if (path === `${base}/git/trees/sci`)
        return json(200, { tree: names.map((n, i) => ({ path: n, type: 'blob', sha: `blob${i}` })), truncated: false });
      const blob = /\/git\/blobs\/blob(\d+)$/.exec(path);
      if (blob)
        return json(200, {
          content: Buffer.from(files[names[Number(blob[1])]!]!).toString('base64'),
          encoding: 'base64',
        });
      if (path.startsWith(`${base}/git/ref/heads/`)) return json(200, { object: { sha } });
      if (req.method === 'POST' && path === `${base}/statuses/${sha}`) {
        statuses.push(JSON.parse(body) as Record<string, unknown>);
        return json(201, {});
      }
      return json(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    statuses,
    close: () => new Promise((done) => server.close(() => done())),
  };
}
