import { HTTPConnectionError, TarashError, TimeoutError } from "../../../../../src/core/errors.js";
import { abortError } from "../../../../../src/core/abort.js";
import { DEFAULT_DOWNLOAD_TIMEOUT_MS, openDownload } from "../../../../../src/core/media/download.js";
import { sniffMediaType } from "../../../../../src/core/media/sniff.js";
import type { NetworkPolicy } from "../../../../../src/core/media/ssrf.js";

export interface InlineOptions {
  policy: NetworkPolicy;
  /** The most bytes one output may have (the gateway's `network.maxResponseBytes`). */
  maxBytes: number;
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  field: string;
}

/**
 * A provider's output URL (fal, Replicate and xAI answer with https URLs) as a `data:` URL, for callers
 * that asked for nothing to be stored. Fetched by the gateway itself through the SSRF guard, with the
 * size cap counted as the body streams and a timeout; each chunk is base64-encoded as it arrives (one
 * pass, a few microseconds per chunk on the event loop), never gathered and encoded whole. A refused URL,
 * an oversize file or a failed download is the provider's fault (a 502), never the caller's.
 */
export async function fetchAsDataUrl(url: string, fallbackType: string, options: InlineOptions): Promise<{ url: string; mediaType: string; size: number }> {
  // One deadline for the whole download, the body included (openDownload's own covers the same span).
  const timeoutMs = options.timeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const opened = await openDownload(url, {
    policy: options.policy,
    maxBytes: options.maxBytes,
    timeoutMs,
    signal,
    field: options.field,
    source: "provider",
  });
  const parts: string[] = [];
  let carry: Buffer = Buffer.alloc(0);
  let head: Uint8Array | undefined;
  let size = 0;
  try {
    for await (const chunk of opened.body) {
      head ??= chunk;
      size += chunk.byteLength;
      const bytes = carry.length ? Buffer.concat([carry, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      // Whole 3-byte groups encode without padding; the 0-2 bytes left over start the next chunk.
      const whole = bytes.length - (bytes.length % 3);
      if (whole > 0) parts.push(bytes.toString("base64", 0, whole));
      carry = Buffer.from(bytes.subarray(whole));
    }
  } catch (error) {
    if (error instanceof TarashError) throw error;
    if (options.signal?.aborted) throw abortError(options.signal);
    if (timeout.aborted) throw new TimeoutError(`${options.field}: download timed out after ${timeoutMs} ms`, { cause: error });
    throw new HTTPConnectionError(`${options.field}: the download was interrupted`, { cause: error });
  }
  if (carry.length) parts.push(carry.toString("base64"));
  const declared = opened.contentType && opened.contentType !== "application/octet-stream" ? opened.contentType : undefined;
  const mediaType = (head && sniffMediaType(head)) || declared || fallbackType;
  return { url: `data:${mediaType};base64,${parts.join("")}`, mediaType, size };
}
