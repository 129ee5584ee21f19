import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import { CairnError, err, ok, type Result } from '../errors';
import { ALWAYS_DENIED_CIDRS, literalEgressRefusal, type EgressPolicy } from './egress-policy';

export interface EgressRequest {
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** the whole exchange: lookup, connect, TLS, request, answer */
  timeoutMs: number;
}

export interface EgressResponse {
  status: number;
  /** at most the policy's maxResponseBytes */
  body: Buffer;
  /** the answer was longer than the cap and the connection was cut */
  truncated: boolean;
}

/** request-filtering-agent's refusals are plain errors (no system `code`) saying the address "is not allowed". */
function failure(error: NodeJS.ErrnoException): CairnError {
  if (error.code === undefined && / is not allowed/.test(error.message))
    return new CairnError('egress_refused', error.message, { cause: error });
  return new CairnError('EGRESS_FAILED', error.code ? `${error.code} ${error.message}` : error.message, {
    cause: error,
  });
}

/**
 * Every outbound HTTP call goes through one of these (docs/security.md#egress-webhook-signing-and-scopes).
 * `node:http(s).request` never follows redirects, so a 3xx comes back as its status; request-filtering-agent's
 * agents check the address the socket connects to, after the one lookup that socket makes (an IP literal is
 * checked before connecting), so a name that resolves differently the second time (DNS rebinding) gains
 * nothing. The literal check runs first so a refused URL never reaches the network.
 */
export class EgressClient {
  private readonly httpAgent: RequestFilteringHttpAgent;
  private readonly httpsAgent: RequestFilteringHttpsAgent;

  constructor(
    readonly policy: EgressPolicy,
    /** tests: the resolver the agent asks (node:dns lookup by default) */
    private readonly lookup?: LookupFunction,
  ) {
    // Kept-alive sockets are reused only for the same host and port, and each was checked when it connected.
    const filter = {
      keepAlive: true,
      allowIPAddressList: [...policy.allowCidrs],
      denyIPAddressList: [...ALWAYS_DENIED_CIDRS],
    };
    this.httpAgent = new RequestFilteringHttpAgent(filter);
    this.httpsAgent = new RequestFilteringHttpsAgent(filter);
  }

  /** One exchange; an edge to the outside, so it returns a result instead of throwing. */
  request(request: EgressRequest): Promise<Result<EgressResponse>> {
    const refusal = literalEgressRefusal(request.url, this.policy);
    if (refusal !== null) return Promise.resolve(err(new CairnError('egress_refused', `${request.url} ${refusal}`)));
    const url = new URL(request.url);
    const https = url.protocol === 'https:';
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: Result<EgressResponse>): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const headers = {
        ...request.headers,
        ...(request.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(request.body)) }),
      };
      const options = {
        method: request.method,
        headers,
        agent: https ? this.httpsAgent : this.httpAgent,
        ...(this.lookup ? { lookup: this.lookup } : {}),
      };
      const outgoing = (https ? httpsRequest : httpRequest)(url, options, (response) =>
        this.read(response, finish, () => outgoing.destroy()),
      );
      outgoing.on('error', (error) => finish(err(failure(error))));
      const timer = setTimeout(() => {
        finish(err(new CairnError('EGRESS_FAILED', `timed out: no complete answer within ${request.timeoutMs} ms`)));
        outgoing.destroy();
      }, request.timeoutMs);
      outgoing.end(request.body);
    });
  }

  /** Reads the answer up to the cap; a longer one is cut there (the connection is closed, the status kept). */
  private read(response: IncomingMessage, finish: (result: Result<EgressResponse>) => void, cut: () => void): void {
    const max = this.policy.maxResponseBytes;
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (truncated: boolean) =>
      finish(ok({ status: response.statusCode ?? 0, body: Buffer.concat(chunks, size), truncated }));
    response.on('data', (chunk: Buffer) => {
      if (size + chunk.length <= max) {
        chunks.push(chunk);
        size += chunk.length;
        return;
      }
      chunks.push(chunk.subarray(0, max - size));
      size = max;
      done(true);
      cut();
    });
    response.on('end', () => done(false));
    response.on('error', (error) => finish(err(failure(error))));
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
