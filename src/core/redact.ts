/**
 * Secret redaction. Runs on everything that leaves the library: log records, error messages,
 * `rawResponse`, metrics labels. It works at any depth because the Python original only checked
 * top-level key names and leaked a nested `api_key` at INFO.
 *
 * Three layers:
 * 1. keys whose name says "secret" have their value replaced,
 * 2. every secret value the process has seen (API keys, tokens) is scrubbed from any string,
 * 3. signing parameters in URLs (`X-Amz-Signature`, `sig`, `token`, `key`, ...) are masked.
 */

export const REDACTED = "[REDACTED]";

const SECRET_KEY =
  /(^|[-_.])(api[-_]?key|apikey|x[-_]key|authorization|auth|token|access[-_]?token|refresh[-_]?token|id[-_]?token|secret|client[-_]?secret|password|passwd|credential|credentials|signature|private[-_]?key|access[-_]?key|subscription[-_]?key|cookie|set[-_]cookie|session)$/i;

const URL_SECRET_PARAMS = new Set([
  "x-amz-signature",
  "x-amz-credential",
  "x-amz-security-token",
  "x-goog-signature",
  "x-goog-credential",
  "signature",
  "sig",
  "token",
  "access_token",
  "key",
  "api_key",
  "api-key",
  "apikey",
  "code",
]);

const knownSecrets = new Set<string>();
let secretPattern: RegExp | undefined;
/** Length of the longest registered secret: how far past a cut a secret that straddles it can reach. */
let longestSecret = 0;

/** Remember a secret value so that it is scrubbed wherever it appears later. Short values are ignored
 * because masking every "abc" in a message would destroy it without protecting anything. */
export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < 8 || knownSecrets.has(value)) return;
  knownSecrets.add(value);
  longestSecret = Math.max(longestSecret, value.length);
  secretPattern = undefined;
}

function pattern(): RegExp | undefined {
  if (knownSecrets.size === 0) return undefined;
  if (!secretPattern) {
    const alternatives = [...knownSecrets]
      .sort((a, b) => b.length - a.length)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    secretPattern = new RegExp(alternatives.join("|"), "g");
  }
  return secretPattern;
}

export function isSecretKey(key: string): boolean {
  // camelCase names (`sessionToken`, `secretAccessKey`, `openaiApiKey`) are read as their snake_case form.
  return SECRET_KEY.test(key) || SECRET_KEY.test(key.replace(/([a-z0-9])([A-Z])/g, "$1_$2"));
}

/**
 * Field names seen and whether they name a secret. Records and responses reuse a handful of names, so
 * the two regular expressions of isSecretKey run once per name instead of once per field per value.
 * Bounded: beyond it, names are checked each time.
 */
const secretNames = new Map<string, boolean>();
const MAX_REMEMBERED_NAMES = 1024;

/** isSecretKey, remembered per name. */
export function isSecretName(key: string): boolean {
  let secret = secretNames.get(key);
  if (secret === undefined) {
    secret = isSecretKey(key);
    if (secretNames.size < MAX_REMEMBERED_NAMES) secretNames.set(key, secret);
  }
  return secret;
}

const URL_IN_TEXT = /https?:\/\/[^\s"'<>]+/g;
const BEARER = /\b(Bearer|Basic|Token|Key)\s+[A-Za-z0-9._~+/=-]{8,}/g;
/**
 * A provider's masked echo of a key (`sk-proj-****************CRET`, `sk-…abcd`): the visible prefix and
 * tail are still part of the key, so the whole token goes.
 */
const MASKED_KEY = /[A-Za-z0-9_-]*(?:\*{4,}|…)[A-Za-z0-9_-]{2,}/g;

function maskUrl(raw: string): string {
  const q = raw.indexOf("?");
  if (q < 0) return raw;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw;
  }
  let changed = false;
  for (const name of [...url.searchParams.keys()]) {
    if (URL_SECRET_PARAMS.has(name.toLowerCase())) {
      url.searchParams.set(name, REDACTED);
      changed = true;
    }
  }
  return changed ? url.toString() : raw;
}

/** Scrub a string: known secret values, bearer credentials, signed URL parameters. */
export function redactString(input: string): string {
  let out = input;
  const p = pattern();
  if (p) out = out.replace(p, REDACTED);
  if (out.includes(" ")) out = out.replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  if (out.includes("****") || out.includes("…")) out = out.replace(MASKED_KEY, REDACTED);
  if (out.includes("://")) out = out.replace(URL_IN_TEXT, maskUrl);
  return out;
}

/**
 * Room past a cut for the context the text patterns need (a `Bearer` credential or a signed URL that
 * straddles the cut is still recognised as one).
 */
const CUT_MARGIN = 256;

/**
 * At most `max` characters of `input`, redacted BEFORE it is cut: cutting first splits a secret that
 * straddles the cut, and the part left is no longer recognised (the first 18–42 characters of a
 * 46-character key used to leak that way). Only a window a little past the cut is scanned, so a huge
 * text costs no more than a short one; a secret's beginning left at the very end of that window (its
 * rest lies beyond) is dropped as well. A cut text ends with `…`.
 */
export function redactPrefix(input: string, max: number): string {
  const windowLength = max + longestSecret + CUT_MARGIN;
  if (input.length <= windowLength) {
    const out = redactString(input);
    return out.length > max ? `${out.slice(0, max)}…` : out;
  }
  const out = dropSecretStart(redactString(input.slice(0, windowLength)));
  return `${out.slice(0, max)}…`;
}

/** `text` without a trailing run of characters that begins some registered secret. */
function dropSecretStart(text: string): string {
  let cut = 0;
  for (const secret of knownSecrets) {
    for (let k = Math.min(secret.length - 1, text.length); k > cut; k--) {
      if (text.endsWith(secret.slice(0, k))) {
        cut = k;
        break;
      }
    }
  }
  return cut > 0 ? text.slice(0, text.length - cut) : text;
}

const MAX_DEPTH = 12;
const MAX_STRING = 4096;

/**
 * Deep copy with secrets removed. Binary payloads are summarised rather than copied: a 2 MB image in
 * a log line is a memory and readability problem, not information.
 */
export function redact<T>(value: T): T {
  // A string or a number needs no cycle bookkeeping: only objects get the WeakSet.
  if (typeof value === "string") return redactText(value) as T;
  if (value === null || typeof value !== "object") return value;
  return walk(value, 0, new WeakSet()) as T;
}

function redactText(value: string): string {
  if (value.startsWith("data:") && value.length > 256) return `${redactPrefix(value, 48)}[${value.length} chars]`;
  return value.length > MAX_STRING ? `${redactPrefix(value, MAX_STRING)}[${value.length} chars]` : redactString(value);
}

function walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === "string") return redactText(value);
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return "[depth limit]";
  if (seen.has(value)) return "[circular]";
  seen.add(value);
  if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  if (value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`;
  if (typeof Blob !== "undefined" && value instanceof Blob) return `[Blob ${value.type || "?"} ${value.size} bytes]`;
  if (value instanceof URL) return redactString(value.toString());
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Error) {
    return { name: value.name, message: redactString(value.message) };
  }
  if (typeof Headers !== "undefined" && value instanceof Headers) {
    const obj: Record<string, string> = {};
    value.forEach((v, k) => {
      obj[k] = isSecretKey(k) ? REDACTED : redactString(v);
    });
    return obj;
  }
  if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (isSecretName(k) && v !== undefined && v !== null && v !== "") out[k] = REDACTED;
    else out[k] = walk(v, depth + 1, seen);
  }
  return out;
}
