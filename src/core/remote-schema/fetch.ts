import { HTTPError } from "../errors.js";
import type { HttpClient, QueryValue } from "../http.js";

/** A published schema document is small; anything past this is not one. */
export const SCHEMA_FETCH_TIMEOUT_MS = 8_000;

/**
 * GET a JSON document through a provider's HTTP client (its auth, error parsing, the attempt's
 * signal), bounded by a timeout and a byte cap that is enforced while streaming, not after.
 */
export async function fetchJsonDocument(
  http: HttpClient,
  url: string,
  options: { maxBytes: number; timeoutMs?: number | undefined; query?: Record<string, QueryValue> | undefined },
): Promise<unknown> {
  const timeoutMs = options.timeoutMs ?? SCHEMA_FETCH_TIMEOUT_MS;
  const response = await http.request(url, { timeoutMs, query: options.query, headers: { accept: "application/json" } });
  const declared = Number(response.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new HTTPError(`schema document is ${declared} bytes, over the ${options.maxBytes}-byte cap`);
  }
  const reader = response.body?.getReader();
  if (!reader) return undefined;
  const chunks: Uint8Array[] = [];
  let total = 0;
  // The whole read is bounded by the same timeout as the headers.
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void reader.cancel(new Error("schema read timed out")).catch(() => undefined);
  }, timeoutMs);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > options.maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new HTTPError(`schema document is over the ${options.maxBytes}-byte cap`);
      }
      chunks.push(value);
    }
  } finally {
    clearTimeout(timer);
  }
  if (timedOut) throw new HTTPError(`schema document was not read within ${timeoutMs} ms`);
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HTTPError(`schema document is not JSON (status ${response.status})`);
  }
}
