import type { Transport, TransportRequest, TransportResponse } from "./types.js";

/**
 * The transport on a WHATWG `fetch`: a user-supplied one, or the platform's where undici is not
 * available (Bun, Deno, edge workers). Redirects are never followed here (the client decides), which
 * also spares fetch from teeing every request body it might have to replay.
 */
export function fetchTransport(fetchFn: typeof fetch): Transport {
  return {
    kind: "fetch",
    async send(request: TransportRequest): Promise<TransportResponse> {
      const response = await fetchFn(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body as BodyInit | undefined,
        signal: request.abort.toSignal(),
        redirect: "manual",
      });
      return new FetchResponse(response);
    },
  };
}

class FetchResponse implements TransportResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly opaqueRedirect: boolean;
  constructor(private readonly response: Response) {
    this.status = response.status;
    this.headers = response.headers;
    this.opaqueRedirect = response.type === "opaqueredirect";
  }
  get body(): AsyncIterable<Uint8Array> | null {
    return this.response.body;
  }
  webStream(): ReadableStream<Uint8Array> | null {
    return this.response.body;
  }
  webHeaders(): Headers {
    return this.response.headers;
  }
  async cancel(): Promise<void> {
    await this.response.body?.cancel().catch(() => undefined);
  }
}
