import type { ErrorBody, ProviderErrorInfo } from "../../core/http-errors.js";
import { errorObject, parseOpenAIError } from "../openai/errors.js";

const FILTER_CODES = new Set(["contentfilter", "content_filter", "responsibleaipolicyviolation"]);

function has(obj: unknown, key: string): unknown {
  return obj !== null && typeof obj === "object" ? (obj as Record<string, unknown>)[key] : undefined;
}

function isFilterCode(v: unknown): boolean {
  return typeof v === "string" && FILTER_CODES.has(v.toLowerCase());
}

/**
 * Azure answers in the OpenAI error shape, plus its content filter: `code: "contentFilter"` (images) or
 * `content_filter` with an inner error `ResponsibleAIPolicyViolation` and `content_filter_results`.
 */
export function parseAzureError(input: ErrorBody): ProviderErrorInfo | undefined {
  const info = parseOpenAIError(input) ?? {};
  const err = errorObject(input.body);
  const inner = has(err, "innererror") ?? has(err, "inner_error");
  const filtered =
    isFilterCode(err?.code) ||
    isFilterCode(has(inner, "code")) ||
    has(inner, "content_filter_results") !== undefined ||
    has(inner, "content_filter_result") !== undefined ||
    has(err, "content_filter_results") !== undefined;
  if (filtered) return { ...info, kind: "moderation", field: undefined };
  return info;
}
