import { createRequire } from "node:module";
import { Readable, pipeline } from "node:stream";
import type * as Undici from "undici";
import type { Agent as AgentType, Dispatcher } from "undici";
import { constants, createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { encodeMultipart } from "./multipart.js";
import type { HeadersLike, Transport, TransportRequest, TransportResponse } from "./types.js";

/**
 * The transport on undici's dispatcher API (`request()`), for Node. One Agent per process holds a
 * keep-alive pool per origin. Against `fetch` it skips the WHATWG machinery per call (Request and
 * Response objects, Headers lists, web streams, the spec's redirect and CORS steps): ~3× less CPU
 * per request on Node 20. What fetch does that a provider can observe is done here the same way:
 * the default request headers, undoing the content coding of the body, multipart encoding.
 *
 * This module imports undici and node: built-ins, so it is only ever loaded by a dynamic import
 * (see ./select.ts): a runtime with an injected fetch never loads it.
 */

type RequestApi = (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;

/**
 * Only the dispatcher and its `request()` are loaded: undici's index pulls in fetch, WebSocket, cache
 * and mocks too, 2.5× the start-up cost (~400 ms on a loaded 2-core machine) for nothing used here. If
 * a future undici moves these files, the whole package is the fallback.
 */
function loadUndici(): { Agent: typeof AgentType; request: RequestApi } {
  const require = createRequire(import.meta.url);
  try {
    return { Agent: require("undici/lib/dispatcher/agent.js") as typeof AgentType, request: require("undici/lib/api/api-request.js") as RequestApi };
  } catch {
    const undici = require("undici") as typeof Undici;
    return { Agent: undici.Agent, request: undici.Dispatcher.prototype.request as unknown as RequestApi };
  }
}
const undici = loadUndici();

let agent: AgentType | undefined;
/** Keep-alive pools per origin, shared by every gateway in the process (idle sockets do not hold the process open). */
function dispatcher(): AgentType {
  return (agent ??= new undici.Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000 }));
}

/**
 * Origin and path of an absolute URL without a URL parse per request. Anything unusual (credentials,
 * characters a request line cannot carry, no scheme) goes through the URL parser, as fetch would.
 */
const SIMPLE_URL = /^(https?:\/\/[^/?#@]+)([\x21-\x22\x24-\x7e]*)$/i;
function splitUrl(url: string): { origin: string; path: string } {
  const m = SIMPLE_URL.exec(url);
  if (m) return { origin: m[1]!, path: m[2] || "/" };
  const parsed = new URL(url);
  if (parsed.username || parsed.password) throw new TypeError("a request URL cannot include credentials");
  return { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
}

/** What fetch adds when the caller did not set it, so a provider sees the same request on both paths. */
const FETCH_DEFAULTS: readonly (readonly [string, string])[] = [
  ["accept", "*/*"],
  ["accept-language", "*"],
  ["sec-fetch-mode", "cors"],
  ["user-agent", "node"],
];

export function undiciTransport(): Transport {
  return {
    kind: "undici",
    async send(req: TransportRequest): Promise<TransportResponse> {
      const headers = withDefaults(req.headers, req.url);
      let body: Dispatcher.RequestOptions["body"];
      const given = req.body;
      if (given === undefined || typeof given === "string" || given instanceof Uint8Array) {
        body = given;
      } else if (given instanceof FormData) {
        const multipart = encodeMultipart(given);
        headers["content-type"] ??= multipart.contentType;
        headers["content-length"] = String(multipart.length);
        body = Readable.from(multipart.body, { objectMode: false });
      } else {
        // Anything else a caller may pass as BodyInit (Blob, URLSearchParams, a stream): let the
        // platform's Response encode it, as fetch would, with its content type.
        const encoded = new Response(given as BodyInit);
        const type = encoded.headers.get("content-type");
        if (type !== null) headers["content-type"] ??= type;
        body = new Uint8Array(await encoded.arrayBuffer());
      }
      const { origin, path } = splitUrl(req.url);
      const res = await undici.request.call(dispatcher(), { origin, path, method: req.method as Dispatcher.HttpMethod, headers, body, signal: req.abort });
      return new UndiciResponse(res, req.method);
    },
  };
}

/** In place: the request owns its lower-cased, prototype-free header object (see TransportRequest). */
function withDefaults(headers: Record<string, string>, url: string): Record<string, string> {
  for (const [name, value] of FETCH_DEFAULTS) if (!(name in headers)) headers[name] = value;
  if (!("accept-encoding" in headers)) headers["accept-encoding"] = url.startsWith("https:") ? "br, gzip, deflate" : "gzip, deflate";
  return headers;
}

type RawHeaders = Record<string, string | string[] | undefined>;

class RawHeadersView implements HeadersLike {
  constructor(private readonly raw: RawHeaders) {}
  get(name: string): string | null {
    const key = name.toLowerCase();
    if (!Object.hasOwn(this.raw, key)) return null;
    const value = this.raw[key];
    return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
  }
  has(name: string): boolean {
    return this.get(name) !== null;
  }
}

const noop = () => undefined;
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
const MAX_CONTENT_CODINGS = 5;

class UndiciResponse implements TransportResponse {
  readonly status: number;
  readonly headers: RawHeadersView;
  readonly opaqueRedirect = false;
  private readonly raw: RawHeaders;
  private readonly stream: Readable | null;

  constructor(res: Dispatcher.ResponseData, method: string) {
    this.status = res.statusCode;
    this.raw = res.headers;
    this.headers = new RawHeadersView(res.headers);
    // Errors reach whoever reads the body (its iterator or web stream); a body let go of (cancelled,
    // never read, aborted after the caller moved on) must not turn its abort into an uncaught error.
    res.body.on("error", noop);
    if (method === "HEAD" || NULL_BODY_STATUS.has(res.statusCode)) {
      res.body.destroy();
      this.stream = null;
    } else {
      this.stream = decoded(res.body, this.headers.get("content-encoding"));
    }
  }

  get body(): AsyncIterable<Uint8Array> | null {
    return this.stream;
  }

  webStream(): ReadableStream<Uint8Array> | null {
    return this.stream ? toWebStream(this.stream) : null;
  }

  webHeaders(): Headers {
    const headers = new Headers();
    for (const [name, value] of Object.entries(this.raw)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else headers.append(name, value);
    }
    return headers;
  }

  async cancel(): Promise<void> {
    this.stream?.destroy();
  }
}

/** The body with its content coding undone (as fetch does: gzip, deflate, br; anything else is left as sent). */
function decoded(body: Readable, contentEncoding: string | null): Readable {
  if (!contentEncoding) return body;
  const codings = contentEncoding.toLowerCase().split(",");
  if (codings.length > MAX_CONTENT_CODINGS) {
    const error = new Error(`too many content-encodings in response: ${codings.length}, maximum allowed is ${MAX_CONTENT_CODINGS}`);
    body.destroy(error);
    return body;
  }
  const decoders: NodeJS.ReadWriteStream[] = [];
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = codings[i]!.trim();
    if (coding === "gzip" || coding === "x-gzip") decoders.push(createGunzip({ flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH }));
    else if (coding === "deflate") decoders.push(createInflate({ flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH }));
    else if (coding === "br") decoders.push(createBrotliDecompress({ flush: constants.BROTLI_OPERATION_FLUSH, finishFlush: constants.BROTLI_OPERATION_FLUSH }));
    else return body;
  }
  if (decoders.length === 0) return body;
  // A failure anywhere in the chain (an abort of the request, corrupt data) reaches the reader with its
  // own error, and a reader that stops early destroys the source.
  return (pipeline(body, ...(decoders as [NodeJS.ReadWriteStream]), noop) as unknown as Readable).on("error", noop);
}

/**
 * A web stream pulling from a Node stream. (`Readable.toWeb` on Node 20 enqueues into a cancelled
 * stream when data was already flowing, an uncaught error; pulling only on demand cannot.)
 */
function toWebStream(stream: Readable): ReadableStream<Uint8Array> {
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await chunks.return?.();
        stream.destroy();
      },
    },
    { highWaterMark: 0 },
  );
}
