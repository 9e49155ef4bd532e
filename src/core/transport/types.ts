/**
 * What the HTTP client needs from the wire, so that Node's undici dispatcher and any WHATWG `fetch`
 * (a user's, Bun's, Deno's, an edge worker's) serve it alike. Everything above this line (timeouts,
 * abort, redirect policy, caps, error mapping, redaction) lives in `../http.ts` once, for both.
 */

import type { RequestAbort } from "./request-abort.js";

/** Read access to response headers; names are case-insensitive, repeated headers joined by ", ". */
export interface HeadersLike {
  get(name: string): string | null;
  has(name: string): boolean;
}

/** Request bodies the client sends: JSON text, bytes, multipart forms, or whatever a caller passed as `body`. */
export type TransportBody = string | Uint8Array | FormData | BodyInit;

export interface TransportRequest {
  method: string;
  /** Absolute URL. */
  url: string;
  /**
   * Lower-case names, no prototype, owned by this request: a transport may add its defaults to it in
   * place rather than copy it.
   */
  headers: Record<string, string>;
  body: TransportBody | undefined;
  /** Aborts the request and, once the response arrived, its body (a reader sees `abort.reason`). */
  abort: RequestAbort;
}

/**
 * One response, redirects not followed. The body is read at most once, either as chunks (`body`, for
 * the library's own capped reads) or as a web stream (`webStream()`, for a `Response` handed to an
 * adapter); its content coding is already undone, so every cap counts decoded bytes.
 */
export interface TransportResponse {
  readonly status: number;
  readonly headers: HeadersLike;
  /** The decoded body as chunks, or null when the response has none. */
  readonly body: AsyncIterable<Uint8Array> | null;
  /** A browser-style fetch hides a manual redirect as `opaqueredirect` (status 0). */
  readonly opaqueRedirect: boolean;
  /** The same decoded body as a web stream, for a `Response`; null when there is none. */
  webStream(): ReadableStream<Uint8Array> | null;
  /** The headers as a WHATWG `Headers` (built on demand: only error and streamed paths need one). */
  webHeaders(): Headers;
  /** Stop reading the body and let go of it (the connection closes if the body was not done). */
  cancel(): Promise<void>;
}

export interface Transport {
  /** `undici` (Node's dispatcher, keep-alive pools per origin) or `fetch`. */
  readonly kind: "undici" | "fetch";
  send(request: TransportRequest): Promise<TransportResponse>;
}
