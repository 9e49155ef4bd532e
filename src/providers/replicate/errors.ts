import { type ErrorBody, type ProviderErrorInfo, ownEntry } from "../../core/http-errors.js";
import { redactPrefix } from "../../core/redact.js";

/** Words Replicate's models and safety checkers use when they refuse a prompt or an output. */
const MODERATION = /nsfw|flagged as sensitive|\(E005\)|safety (checker|filter|system)|content (policy|moderation)|moderat/i;

/** Failures Replicate says are worth retrying (interrupted workers, capacity, GPU memory). */
const TRANSIENT = /please retry|interrupted|try again later|out of memory|capacity|temporarily|timed out|\(PA\)|\(E6716\)/i;

export function isModerationMessage(message: string): boolean {
  return MODERATION.test(message);
}

export function isTransientMessage(message: string): boolean {
  return TRANSIENT.test(message);
}

interface ProblemDetails {
  title?: unknown;
  detail?: unknown;
  status?: unknown;
  invalid_fields?: unknown;
}

interface InvalidField {
  field?: unknown;
  description?: unknown;
}

export interface ParseErrorOptions {
  /** Wire input name → the request field it came from (`aspect_ratio` → `aspectRatio`). */
  fieldNames?: Readonly<Record<string, string>>;
  /** The request field to blame for a 404 or a bad version (the model id on create). */
  notFoundField?: string;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() ? v.trim() : undefined);

/**
 * Replicate answers errors as problem+json (`{title, detail, status}`); a 422 input error adds
 * `invalid_fields[{field: "input.aspect_ratio", description}]`.
 */
export function replicateErrorParser(options: ParseErrorOptions = {}): (input: ErrorBody) => ProviderErrorInfo | undefined {
  return ({ status, headers, body, text }) => {
    const problem = (body !== null && typeof body === "object" ? body : {}) as ProblemDetails;
    const title = str(problem.title);
    const detail = str(problem.detail);
    const invalid = Array.isArray(problem.invalid_fields) ? (problem.invalid_fields as InvalidField[]) : [];
    const first = invalid[0];
    const message =
      (first && str(first.description) ? `${str(first.field) ?? "input"}: ${str(first.description)}` : undefined) ??
      (title && detail && !detail.startsWith(title) ? `${title}: ${detail}` : (detail ?? title)) ??
      (text.trim() && !text.trim().startsWith("<") ? redactPrefix(text.trim(), 500) : undefined);
    const info: ProviderErrorInfo = { message, code: title };

    if (message && isModerationMessage(message)) return { ...info, kind: "moderation" };
    if (first) return { ...info, kind: "validation", field: requestField(str(first.field), options.fieldNames) };
    if (status === 404 && options.notFoundField) return { ...info, kind: "validation", field: options.notFoundField };
    if (status === 422 && /version|model/i.test(title ?? "") && options.notFoundField) {
      return { ...info, kind: "validation", field: options.notFoundField };
    }
    if (status === 429 && !headers.has("retry-after")) {
      // "Request was throttled. Expected available in 4 seconds." stands in for a missing Retry-After.
      const m = /available in (\d+(?:\.\d+)?) second/i.exec(detail ?? "");
      if (m) info.retryAfterMs = Math.round(Number(m[1]) * 1000);
    }
    return info;
  };
}

/** `input.aspect_ratio` → `aspectRatio` when the adapter mapped it, else `input.aspect_ratio`. */
function requestField(wire: string | undefined, names: Readonly<Record<string, string>> | undefined): string {
  if (!wire) return "input";
  const name = wire.replace(/^input\./, "").split(".")[0] ?? wire;
  return ownEntry(names, name) ?? (wire.startsWith("input.") ? wire : `input.${wire}`);
}
