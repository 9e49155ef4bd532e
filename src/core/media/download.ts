import { abortError } from "../abort.js";
import { GenerationFailedError, HTTPConnectionError, HTTPError, TarashError, TimeoutError, ValidationError } from "../errors.js";
import { capStream } from "../body-limit.js";
import { redactString } from "../redact.js";
import type { NetworkPolicy } from "./ssrf.js";
import { sniffMediaType } from "./sniff.js";

export const DEFAULT_MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024;
export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 60_000;

export interface DownloadOptions {
  policy: NetworkPolicy;
  maxBytes?: number | undefined;
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Sent with the request (e.g. a provider key for files that need it). Not sent across hosts on redirect. */
  headers?: Record<string, string> | undefined;
  /** Names the input in errors, e.g. `imageList.0.image`. */
  field?: string | undefined;
  /** Fetch used when the policy allows private addresses (tests, custom runtimes). */
  fetch?: typeof fetch | undefined;
  /**
   * Who handed us the URL. A user's URL that is refused (private address, too large) is the user's
   * mistake (ValidationError, 400); a provider's output URL that is refused is the provider's fault
   * (GenerationFailedError, 502). Default "user".
   */
  source?: "user" | "provider" | undefined;
}

export interface OpenedDownload {
  body: ReadableStream<Uint8Array>;
  /** From Content-Type; confirm with `sniffMediaType` once bytes arrive. */
  contentType: string | undefined;
  contentLength: number | undefined;
}

const MAX_REDIRECTS = 5;
type GuardedFetch = (url: string, init: RequestInit) => Promise<Response>;
const guardedFetches = new Map<string, Promise<GuardedFetch>>();

/** fetch whose connections go through the SSRF lookup. undici is loaded only when a guarded download happens. */
function guardedFetch(policy: NetworkPolicy): Promise<GuardedFetch> {
  const key = JSON.stringify(policy.allowedHosts ?? []);
  let f = guardedFetches.get(key);
  if (!f) {
    f = Promise.all([import("undici"), import("./ssrf.js")]).then(([{ Agent, fetch: undiciFetch }, { guardedLookup }]) => {
      const dispatcher = new Agent({ connect: { lookup: guardedLookup(policy) } });
      return ((url: string, init: RequestInit) =>
        undiciFetch(url, { ...(init as object), dispatcher } as Parameters<typeof undiciFetch>[1]) as unknown as Promise<Response>) satisfies GuardedFetch;
    });
    guardedFetches.set(key, f);
  }
  return f;
}

function refused(field: string, reason: string, source: DownloadOptions["source"]): TarashError {
  if (source === "provider") {
    // Not retried: the provider already generated (and billed) the output it points at.
    return new GenerationFailedError(`${field}: the provider's output URL was refused: ${reason}`, { code: "output_refused" });
  }
  return new ValidationError(`${field}: refused to fetch the URL: ${reason}`, {
    issues: [{ field, message: `refused to fetch the URL: ${reason}` }],
  });
}

/**
 * Open a URL for streaming with the SSRF guard, a timeout, a redirect limit and a size cap enforced
 * while the body streams (Content-Length is not trusted).
 */
export async function openDownload(rawUrl: string, options: DownloadOptions): Promise<OpenedDownload> {
  const field = options.field ?? "url";
  const refuse = (reason: string) => refused(field, reason, options.source);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS;
  // The SSRF checks use node:net and node:dns: loaded with the first download, not with the library.
  const { BlockedAddressError, checkUrl } = await import("./ssrf.js");
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const doFetch: GuardedFetch = options.policy.allowPrivateNetwork
    ? (options.fetch ?? globalThis.fetch)
    : await guardedFetch(options.policy);

  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw refuse("not a valid URL");
  }
  const origin = url.origin;
  let response: Response | undefined;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const problem = checkUrl(url, options.policy);
    if (problem) throw refuse(problem);
    const headers = url.origin === origin ? options.headers : undefined;
    try {
      response = await doFetch(url.toString(), { headers, signal, redirect: "manual" });
    } catch (error) {
      if (options.signal?.aborted) throw abortError(options.signal);
      if (timeout.aborted) throw new TimeoutError(`${field}: download timed out after ${timeoutMs} ms`, { cause: error });
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof BlockedAddressError) throw refuse(cause.message);
      throw new HTTPConnectionError(`${field}: could not download ${redactString(url.origin)} (${(cause as Error | undefined)?.message ?? String(error)})`, { cause: error });
    }
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      try {
        url = new URL(location, url);
      } catch {
        throw refuse("the redirect points to an invalid URL");
      }
      continue;
    }
    break;
  }
  if (!response || (response.status >= 300 && response.status < 400)) throw refuse("too many redirects");
  if (!response.ok) {
    await response.body?.cancel();
    throw new HTTPError(`${field}: download failed with status ${response.status}`, { statusCode: response.status });
  }
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw refuse(`the file is ${declared} bytes, over the ${maxBytes}-byte limit`);
  }
  if (!response.body) throw new HTTPError(`${field}: the download has no body`, { statusCode: response.status });
  return {
    // Counted as it streams, after any content decoding: a gzip body is capped on its inflated size.
    body: capStream(response.body, maxBytes, () => refuse(`the file exceeds the ${maxBytes}-byte limit`)),
    contentType: response.headers.get("content-type")?.split(";")[0]?.trim() || undefined,
    contentLength: Number.isFinite(declared) ? declared : undefined,
  };
}

/** Download a whole (bounded) file into memory, e.g. an input image. */
export async function download(
  url: string,
  options: DownloadOptions,
): Promise<{ data: Uint8Array; mediaType: string }> {
  const opened = await openDownload(url, options);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of opened.body) {
      chunks.push(chunk);
      total += chunk.byteLength;
    }
  } catch (error) {
    if (error instanceof TarashError) throw error;
    if (options.signal?.aborted) throw abortError(options.signal);
    throw new HTTPConnectionError(`${options.field ?? "url"}: the download was interrupted`, { cause: error });
  }
  const data = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    data.set(c, offset);
    offset += c.byteLength;
  }
  return { data, mediaType: sniffMediaType(data) ?? opened.contentType ?? "application/octet-stream" };
}
