/**
 * Calls the stack's API (a Lambda function URL with AWS_IAM auth) as the user: each request is
 * signed with SigV4 for the service `lambda` with the user's own credentials, in this process, so
 * the credentials never reach a browser. The caller's identity needs `lambda:InvokeFunctionUrl`
 * and `lambda:InvokeFunction` on the function (docs/deploy.md, "The API").
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { parseJsonObject } from '../core/json-object.ts';

export interface ApiAnswer {
  status: number;
  /** The JSON object the API answered (`{ message }` or `{ error }`), else `{ error: <the text> }`. */
  body: Record<string, unknown>;
}

export interface SignedApiOptions {
  /** The stack's `ApiUrl` output (`https://<id>.lambda-url.<region>.on.aws/`). */
  url: string;
  credentials: AwsCredentialIdentityProvider;
  /** @default the region in the function URL's host name */
  region?: string;
  fetch?: typeof fetch;
}

/** `<id>.lambda-url.<region>.on.aws` → the region. */
export function functionUrlRegion(url: string): string | undefined {
  return /\.lambda-url\.([a-z0-9-]+)\.on\.aws$/.exec(new URL(url).hostname)?.[1];
}

export class SignedApi {
  private readonly signer: SignatureV4;
  private readonly base: URL;

  constructor(private readonly options: SignedApiOptions) {
    this.base = new URL(options.url);
    const region = options.region ?? functionUrlRegion(options.url);
    if (!region) throw new Error(`cannot tell the region of the API ${options.url}`);
    this.signer = new SignatureV4({ service: 'lambda', region, credentials: options.credentials, sha256: Sha256 });
  }

  /** POSTs `body` as JSON to `path` (relative to the API's URL, segments already encoded). */
  async post(path: string, body: Record<string, unknown>): Promise<ApiAnswer> {
    const url = new URL(path, this.base);
    const text = JSON.stringify(body);
    const signed = await this.signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: {},
      headers: { host: url.host, 'content-type': 'application/json' },
      body: text,
    });
    // fetch sends the same Host itself (it refuses to be given one)
    const { host: _host, ...headers } = signed.headers;
    const response = await (this.options.fetch ?? fetch)(url, { method: 'POST', headers, body: text });
    const answer = await response.text();
    return {
      status: response.status,
      body: parseJsonObject(answer) ?? { error: answer.trim() || response.statusText },
    };
  }
}
