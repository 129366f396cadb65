/**
 * The `local` rollout target: a reverse proxy on 127.0.0.1:<listen> that sends `weight` percent
 * of the requests to the candidate and the rest to stable, and counts the candidate's requests
 * and 5xx answers (an unreachable candidate counts as a 502) since the last change of weight.
 * The split is deterministic (request n goes to the candidate when ⌊n·w/100⌋ grows), so 10 %
 * means exactly one request in ten.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxyCounts {
  requests: number;
  errors: number;
}

export class WeightedProxy {
  private readonly server: Server;
  private weight = 0;
  private sent = 0;
  private counts: ProxyCounts = { requests: 0, errors: 0 };

  constructor(
    private readonly stable: URL,
    private readonly candidate: URL,
  ) {
    this.server = createServer((req, res) => this.forward(req, res));
  }

  /** Listens on 127.0.0.1:`port` (0 = any free port); resolves with the port. */
  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** Sets the candidate's share and starts counting afresh. */
  shift(weight: number): void {
    this.weight = weight;
    this.sent = 0;
    this.counts = { requests: 0, errors: 0 };
  }

  /** What the candidate answered since the last shift. */
  measured(): ProxyCounts {
    return { ...this.counts };
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private pickCandidate(): boolean {
    const before = Math.floor((this.sent * this.weight) / 100);
    this.sent += 1;
    return Math.floor((this.sent * this.weight) / 100) > before;
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const toCandidate = this.pickCandidate();
    const counts = this.counts;
    const count = (status: number) => {
      if (!toCandidate) return;
      counts.requests += 1;
      if (status >= 500) counts.errors += 1;
    };
    const upstream = toCandidate ? this.candidate : this.stable;
    const out = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        const status = answer.statusCode ?? 502;
        count(status);
        res.writeHead(status, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => {
      count(502);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`sci rollout proxy: ${toCandidate ? 'candidate' : 'stable'} ${upstream.origin} did not answer\n`);
    });
    req.pipe(out);
  }
}
