import {
  ContentModerationError,
  GenerationFailedError,
  type TarashError,
  type TarashErrorOptions,
  ValidationError,
} from "../../core/errors.js";
import { type ErrorParser, type ProviderErrorInfo, ownEntry } from "../../core/http-errors.js";

/** Runway body fields → the request field a user set. Anything else came from `extraParams`. */
const FIELD_BY_PARAM: Readonly<Record<string, string>> = {
  model: "model",
  promptText: "prompt",
  promptImage: "imageList",
  references: "imageList",
  keyframes: "imageList",
  videoUri: "video",
  promptVideo: "video",
  ratio: "aspectRatio",
  targetAspectRatio: "aspectRatio",
  duration: "durationSeconds",
  seed: "seed",
  negativePrompt: "negativePrompt",
  audio: "generateAudio",
};

export function fieldFromPath(path: readonly (string | number)[]): string | undefined {
  const head = path[0];
  if (head === undefined) return undefined;
  return ownEntry(FIELD_BY_PARAM, String(head)) ?? `extraParams.${path.map(String).join(".")}`;
}

/** Asset errors name the field in prose ("promptImage: Only HTTPS URLs are allowed"). */
export function fieldFromText(text: string): string | undefined {
  const m = /\b(promptText|promptImage|promptVideo|videoUri|references|keyframes|ratio|targetAspectRatio|duration|seed|negativePrompt|audio|model)\b/.exec(text);
  return m ? ownEntry(FIELD_BY_PARAM, m[1]!) : undefined;
}

interface RunwayIssue {
  code?: string;
  path?: (string | number)[];
  keys?: string[];
  message?: string;
}

function isIssueList(v: unknown): v is RunwayIssue[] {
  return Array.isArray(v) && v.every((i) => i !== null && typeof i === "object");
}

function issueField(issue: RunwayIssue): string | undefined {
  const path = issue.path ?? [];
  // zod reports unknown keys at the parent's path, with the keys listed separately.
  const key = issue.code === "unrecognized_keys" ? issue.keys?.[0] : undefined;
  return fieldFromPath(key === undefined ? path : [...path, key]);
}

/**
 * Runway answers `{"error": "..."}`, and for schema failures adds zod-style `issues` with a `path`.
 * Insufficient credits is a 400 too, but no request change fixes it.
 */
export const parseRunwayError: ErrorParser = ({ status, body }) => {
  const obj = body !== null && typeof body === "object" ? (body as { error?: unknown; issues?: unknown }) : undefined;
  const error = typeof obj?.error === "string" ? obj.error : undefined;
  const issues = isIssueList(obj?.issues) ? obj.issues : [];
  if (issues.length > 0) {
    const first = issues[0]!;
    const detail = issues
      .map((i) => `${[...(i.path ?? []), ...(i.code === "unrecognized_keys" ? (i.keys ?? []) : [])].join(".") || "body"}: ${i.message ?? i.code ?? "invalid"}`)
      .join("; ");
    const info: ProviderErrorInfo = { message: error ? `${error}: ${detail}` : detail, code: first.code };
    if (status === 400 || status === 422) {
      info.kind = "validation";
      info.field = issueField(first) ?? "request";
    }
    return info;
  }
  if (!error) return undefined;
  const info: ProviderErrorInfo = { message: error };
  if (status === 400) {
    if (/credits/i.test(error)) {
      info.kind = "failed";
      info.code = "insufficient_credits";
    } else if (/runway-version|api version/i.test(error)) {
      info.kind = "validation";
      info.field = "providerConfig.runwayVersion";
    } else {
      info.kind = "validation";
      info.field = fieldFromText(error) ?? "request";
    }
  }
  return info;
};

/**
 * The typed error for a FAILED task, from Runway's `failureCode` families: safety blocks are
 * moderation (never retried), internal and quality rejections are worth another attempt, and asset
 * or preprocessing problems are about the request.
 */
export function taskFailureError(
  failureCode: string | undefined,
  failure: string | undefined,
  ids: { provider: string; model: string; requestId?: string | undefined; taskId: string; raw: unknown },
): TarashError {
  const code = failureCode ?? "";
  const reason = failure ?? "no failure text given";
  const message = `${ids.provider}: task ${ids.taskId} failed${code ? ` (${code})` : ""}: ${reason}`;
  const options: TarashErrorOptions = {
    provider: ids.provider,
    model: ids.model,
    requestId: ids.requestId,
    code: failureCode,
    rawResponse: ids.raw,
  };
  if (/^(SAFETY|INPUT_PREPROCESSING\.SAFETY)(\.|$)/.test(code)) return new ContentModerationError(message, options);
  if (/^(INTERNAL|INPUT_PREPROCESSING\.INTERNAL)(\.|$)/.test(code)) return new GenerationFailedError(message, { ...options, transient: true });
  if (/^(ASSET|INPUT|INPUT_PREPROCESSING)(\.|$)/.test(code)) {
    return new ValidationError(message, { ...options, issues: [{ field: fieldFromText(reason) ?? "request", message: reason }] });
  }
  const transient = /capacity|overload|internal|timed? ?out|try again|unavailable/i.test(reason);
  return new GenerationFailedError(message, { ...options, transient });
}
