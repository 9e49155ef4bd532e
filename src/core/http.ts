import { NEVER, abortError } from "./abort.js";
import { DEFAULT_MAX_RESPONSE_BYTES, MAX_ERROR_BODY_BYTES, capStream, readCapped, readCappedText } from "./body-limit.js";
import { HTTPConnectionError, HTTPError, TarashError, TimeoutError } from "./errors.js";
import { type ErrorParser, errorFromResponse } from "./http-errors.js";
import type { Logger } from "./logger.js";
import { silentLogger } from "./logger.js";
import { redactPrefix } from "./redact.js";
import { RequestAbort } from "./transport/request-abort.js";
import { type HeadersLike, type Transport, type TransportBody, type TransportRequest, type TransportResponse, chooseTransport } from "./transport/select.js";

export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;

export interface HttpClientOptions {
  baseUrl: string;
  /** Sent on every request (auth, versions). */
  headers: Record<string, string>;
  /** The attempt's signal: caller cancel or attempt deadline. */
  signal?: AbortSignal | undefined;
  /** Bound on each single request, independent of the attempt deadline. */
  timeoutMs: number;
  /** A WHATWG fetch to send requests with (the fetch transport). Ignored when `transport` is given. */
  fetch?: typeof fetch | undefined;
  /** How requests go out; default: the injected `fetch` if any, else undici's dispatcher on Node, else the platform's fetch. */
  transport?: Transport | undefined;
  /** Cap on any body read from the provider, counted after decompression. Default 64 MiB. */
  maxResponseBytes?: number | undefined;
  parseError?: ErrorParser | undefined;
  provider: string;
  model: string;
  requestId?: string | undefined;
  logger: Logger;
}

export type QueryValue = string | number | boolean | undefined;

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  query?: Record<string, QueryValue>;
  /** Per-request headers; `undefined` removes a default header. */
  headers?: Record<string, string | undefined>;
  json?: unknown;
  form?: FormData;
  body?: BodyInit;
  timeoutMs?: number;
  /** Extra statuses to return instead of throwing (e.g. a 404 that means "not ready yet"). */
  acceptStatus?: readonly number[];
}

/**
 * HTTP to providers, on a transport (undici's dispatcher on Node, else a fetch). Owns the timeout story (per request and per attempt), abort, JSON and
 * multipart bodies, the cap on every body read, redirects, and the mapping of error responses to typed errors, the same for every transport. Connection reuse comes
 * from the transport's keep-alive pools; nothing here creates a connection per call.
 */
export class HttpClient {
  readonly options: HttpClientOptions;
  readonly transport: Transport;

  constructor(options: Partial<HttpClientOptions> & Pick<HttpClientOptions, "baseUrl" | "provider" | "model">) {
    this.options = {
      headers: {},
      timeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
      logger: silentLogger,
      ...options,
    };
    this.transport = options.transport ?? chooseTransport(options.fetch);
  }

  url(path: string, query?: Record<string, QueryValue>): string {
    const base = /^https?:\/\//i.test(path) ? path : `${this.options.baseUrl.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
    if (!query) return base;
    const url = new URL(base);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    return url.toString();
  }

  /**
   * Send a request; resolves with the Response when the status is 2xx (or accepted), else throws. The
   * per-request timeout covers connect, headers and reading the body (a body trickled forever fails
   * with a TimeoutError too); the attempt's signal covers it as well.
   */
  request(path: string, options: RequestOptions = {}): Promise<Response> {
    return this.send(path, options, STREAMED);
  }

  /** Request and parse a JSON body (the timeout covers reading it). */
  json<T = unknown>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.send(path, options, (response) => this.readJsonBody<T>(response));
  }

  /** Request and parse a JSON body, keeping the response's status and headers. */
  jsonResponse<T = unknown>(path: string, options: RequestOptions = {}): Promise<{ data: T; response: ResponseHead }> {
    return this.send(path, options, async (response) => ({ data: await this.readJsonBody<T>(response), response: head(response) }));
  }

  /** Request and read the whole body as bytes (the timeout covers reading it). */
  bytes(path: string, options: RequestOptions = {}): Promise<{ data: Uint8Array; response: ResponseHead }> {
    return this.send(path, options, async (response) => ({
      data: response.body ? await readCapped(response.body, this.maxResponseBytes, () => this.tooLarge(response.status)) : new Uint8Array(0),
      response: head(response),
    }));
  }

  private async readJsonBody<T>(response: TransportResponse): Promise<T> {
    const text = await readCappedText(response.body, this.maxResponseBytes, () => this.tooLarge(response.status));
    return parseJsonText<T>(text, response.status, this.ids());
  }

  /**
   * One abort handle per request, linked to the attempt signal by a listener and to the timeout by a
   * timer. AbortSignal.any + AbortSignal.timeout cost ~25 µs per call on Node 20 and lean on GC, and
   * undici needs no AbortController at all (see RequestAbort).
   */
  private send(path: string, options: RequestOptions, read: typeof STREAMED): Promise<Response>;
  private send<T>(path: string, options: RequestOptions, read: (response: TransportResponse) => Promise<T>): Promise<T>;
  private async send<T>(path: string, options: RequestOptions, read: ((response: TransportResponse) => Promise<T>) | typeof STREAMED): Promise<T | Response> {
    const { signal: attempt, logger } = this.options;
    if (attempt?.aborted) throw abortError(attempt);
    const method = options.method ?? (options.json !== undefined || options.form || options.body ? "POST" : "GET");
    const url = this.url(path, options.query);
    // Names lower-cased so a per-request header replaces a default whatever its case; no prototype, as
    // the names come from configuration.
    const headers = Object.create(null) as Record<string, string>;
    const defaults = this.options.headers;
    for (const k of Object.keys(defaults)) headers[k.toLowerCase()] = defaults[k]!;
    let body: TransportBody | undefined = options.body;
    if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.json);
    } else if (options.form) {
      body = options.form;
    }
    if (options.headers) {
      for (const k of Object.keys(options.headers)) {
        const v = options.headers[k];
        if (v === undefined) delete headers[k.toLowerCase()];
        else headers[k.toLowerCase()] = v;
      }
    }
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    const abort = new RequestAbort();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      // The reason is what a reader of a streamed body sees, so it is the error to report.
      abort.abort(this.timeoutError(method, url, timeoutMs));
    }, timeoutMs);
    const onAbort = () => abort.abort(attempt?.reason);
    // A signal that can never fire needs no listener (and would collect them forever).
    const linked = attempt !== undefined && attempt !== NEVER;
    if (linked) attempt.addEventListener("abort", onAbort, { once: true });
    const unlink = () => {
      if (linked) attempt.removeEventListener("abort", onAbort);
    };
    const started = logger === silentLogger ? 0 : performance.now();
    let keepLinked = false;
    let keepTimer = false;
    try {
      const response = await this.sendFollowing({ method, url, headers, body, abort });
      if (started) {
        logger.debug({ provider: this.options.provider, method, url, status: response.status, ms: Math.round(performance.now() - started) }, "provider request");
      }
      if ((response.status < 200 || response.status > 299) && !options.acceptStatus?.includes(response.status)) throw await this.responseError(response);
      // A declared length over the cap needs no reading to refuse (a compressed body is still counted as it inflates).
      if (!response.headers.has("content-encoding") && Number(response.headers.get("content-length") ?? 0) > this.maxResponseBytes) {
        await response.cancel();
        throw this.tooLarge(response.status);
      }
      if (read !== STREAMED) return await read(response);
      const stream = response.webStream();
      if (!stream) return new Response(null, { status: response.status, headers: response.webHeaders() });
      // Whoever reads the body gets at most maxResponseBytes of it. A linked body stays tied to the
      // attempt until it is read to the end: cancelling the call must stop a download too, and
      // finishing it releases the listener.
      const done = () => {
        clearTimeout(timer);
        unlink();
      };
      const capped = new Response(capStream(stream, this.maxResponseBytes, () => this.tooLarge(response.status), done), {
        status: response.status,
        headers: response.webHeaders(),
      });
      keepLinked = linked;
      keepTimer = true;
      // A body nobody reads must not keep the process alive until the timer fires.
      timer.unref();
      return capped;
    } catch (error) {
      throw this.transportError(error, method, url, timedOut, timeoutMs);
    } finally {
      if (!keepTimer) clearTimeout(timer);
      if (!keepLinked) unlink();
    }
  }

  /**
   * Redirects are handled here rather than by the transport. A provider API has no business redirecting
   * a request with a body (fetch would replay it somewhere else), nor sending a status poll or a
   * download to another origin: that is how a compromised or misconfigured upstream points the gateway
   * at an internal address. Only GET and HEAD follow redirects, within the origin, a few hops deep.
   */
  private async sendFollowing(request: TransportRequest): Promise<TransportResponse> {
    const { provider, logger } = this.options;
    const { method } = request;
    let target = request.url;
    for (let hop = 0; ; hop++) {
      // Each hop gets its own header object: a transport may add to it.
      const response = await this.transport.send(hop === 0 ? request : { ...request, url: target, headers: Object.assign(Object.create(null) as Record<string, string>, request.headers) });
      const redirected = response.opaqueRedirect || (response.status >= 300 && response.status < 400 && response.headers.has("location"));
      if (!redirected) return response;
      await response.cancel();
      const location = response.headers.get("location");
      const next = location === null ? undefined : safeUrl(location, target);
      const status = response.status || undefined;
      const refuse = (why: string): never => {
        logger.warn({ provider, method, url: stripQuery(target), status, location: next ? stripQuery(next.toString()) : location }, `provider redirect not followed: ${why}`);
        throw new HTTPError(`${provider} answered ${method} with a redirect${status ? ` (${status})` : ""}, which is not followed: ${why}`, {
          ...this.ids(),
          statusCode: status,
          code: "unexpected_redirect",
        });
      };
      if (method !== "GET" && method !== "HEAD") return refuse("a request with a body is never redirected");
      if (!next) return refuse("the redirect has no usable location");
      if (next.origin !== new URL(target).origin) return refuse("it points to another origin");
      if (hop >= MAX_REDIRECTS) return refuse(`more than ${MAX_REDIRECTS} redirects`);
      target = next.toString();
    }
  }

  private get maxResponseBytes(): number {
    return this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  private ids(): { provider: string; model: string; requestId: string | undefined } {
    return { provider: this.options.provider, model: this.options.model, requestId: this.options.requestId };
  }

  /** The error for a body over the cap: names the provider and the limit, keeps the status it came with. */
  private tooLarge(status: number, limit = this.maxResponseBytes, what = "response body"): HTTPError {
    return responseTooLarge(this.ids(), status, limit, what);
  }

  private async responseError(response: TransportResponse): Promise<TarashError> {
    // An error body is read for its message; a huge one is a provider fault of its own.
    const limit = Math.min(this.maxResponseBytes, MAX_ERROR_BODY_BYTES);
    let text = "";
    try {
      text = await readCappedText(response.body, limit, () => this.tooLarge(response.status, limit, "error body"));
    } catch (error) {
      if (error instanceof TarashError) return error;
      // An unreadable error body still has a status worth reporting.
    }
    let body: unknown;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    }
    const input = { status: response.status, headers: response.webHeaders(), body, text };
    const info = this.options.parseError?.(input);
    return errorFromResponse(input, info, this.options);
  }

  /**
   * A failure below HTTP. The message a client may see names the provider, never its URL (a private
   * endpoint is nobody else's business); the URL goes to the log.
   */
  private timeoutError(method: string, url: string, timeoutMs: number, cause?: unknown): TimeoutError {
    this.options.logger.warn({ provider: this.options.provider, method, url: stripQuery(url), timeoutMs }, "provider request timed out");
    return new TimeoutError(`${this.options.provider}: the ${method} request timed out after ${timeoutMs} ms`, { ...this.ids(), cause });
  }

  private transportError(error: unknown, method: string, url: string, timedOut: boolean, timeoutMs: number): TarashError {
    const ids = this.ids();
    if (error instanceof TarashError) return error;
    if (this.options.signal?.aborted) return abortError(this.options.signal);
    if (timedOut) return this.timeoutError(method, url, timeoutMs, error);
    // fetch wraps the socket's error ("fetch failed", cause ECONNREFUSED); undici throws it: both name the code.
    const cause = error instanceof Error ? ((error as { code?: string }).code ?? (error.cause as { code?: string } | undefined)?.code ?? error.message) : String(error);
    this.options.logger.warn({ provider: ids.provider, method, url: stripQuery(url), cause }, "provider unreachable");
    return new HTTPConnectionError(`${ids.provider}: the ${method} request could not be completed (${cause})`, { ...ids, cause: error });
  }
}

const MAX_REDIRECTS = 5;

function safeUrl(location: string, base: string): URL | undefined {
  try {
    return new URL(location, base);
  } catch {
    return undefined;
  }
}

function responseTooLarge(ids: { provider: string; model: string; requestId?: string | undefined }, status: number, limit: number, what: string): HTTPError {
  return new HTTPError(`${ids.provider} sent a ${what} over the ${limit}-byte limit (network.maxResponseBytes); the read was aborted`, {
    ...ids,
    statusCode: status,
    code: "response_too_large",
  });
}

function stripQuery(url: string): string {
  const i = url.indexOf("?");
  return i < 0 ? url : url.slice(0, i);
}

/**
 * Parse a JSON response body, reading at most `maxBytes` of it; an unparseable body is a provider
 * fault, not a crash.
 */
export async function readJson<T>(
  response: Response,
  ids: { provider: string; model: string; requestId?: string | undefined },
  maxBytes = DEFAULT_MAX_RESPONSE_BYTES,
): Promise<T> {
  const text = await readCappedText(response.body, maxBytes, () => responseTooLarge(ids, response.status, maxBytes, "response body"));
  return parseJsonText<T>(text, response.status, ids);
}

function parseJsonText<T>(text: string, status: number, ids: { provider: string; model: string; requestId?: string | undefined }): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new HTTPError(`${ids.provider} returned a body that is not JSON (status ${status})`, {
      ...ids,
      rawResponse: redactPrefix(text, 500),
    });
  }
}

/** What a caller keeps of a response it read whole: its status and headers. */
export interface ResponseHead {
  status: number;
  headers: HeadersLike;
}

function head(response: TransportResponse): ResponseHead {
  return { status: response.status, headers: response.headers };
}

/** `send` returns the Response itself, its body capped and streamed to whoever reads it. */
const STREAMED = Symbol("streamed");
