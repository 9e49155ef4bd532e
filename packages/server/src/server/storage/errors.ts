import { StorageError } from "../../../../../src/core/errors.js";

/**
 * A storage backend failed. Its `name` is `StorageError` (what a job's `error.type` and the library's
 * retry rules see: another attempt or provider would generate, and bill, into the same broken store);
 * the subclasses say which store. `unreachable` separates an outage (no answer: refused, reset, timed
 * out, a disk that cannot be written) from a store that answered with an error (403, 404, 500...): the
 * first is a 503 with Retry-After, the second a 502. Messages name the store and the operation, never
 * an endpoint, a credential or a signed URL.
 */
export class StorageBackendError extends StorageError {
  override name = "StorageError";
  constructor(
    message: string,
    /** `s3` or `local`. */
    readonly storage: string,
    /** True when the store could not be reached at all (retrying later may work). */
    readonly unreachable: boolean,
    options: { code?: string | undefined; cause?: unknown } = {},
  ) {
    super(message, { code: options.code, cause: options.cause });
  }
}

/** Seconds a client is asked to wait after a storage outage. */
export const STORAGE_RETRY_AFTER_SECONDS = 10;

/** Network failures that mean "no answer" (as opposed to an error answer). */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "TimeoutError",
  "RequestTimeout",
  "AbortError",
]);

export function isUnreachableCode(code: string | undefined): boolean {
  return code !== undefined && UNREACHABLE_CODES.has(code);
}
