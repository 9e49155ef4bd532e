import { type ErrorParser, type ProviderErrorInfo, ownEntry } from "../../core/http-errors.js";

/** Stability's error body: `{id, name, errors: ["field: problem", ...]}`. */
export interface StabilityErrorBody {
  id?: string;
  name?: string;
  errors?: unknown[];
  message?: string;
}

/** Stability form fields → the request field a user set. */
const FIELD_BY_PARAM: Readonly<Record<string, string>> = {
  prompt: "prompt",
  negative_prompt: "negativePrompt",
  aspect_ratio: "aspectRatio",
  seed: "seed",
  output_format: "outputFormat",
  style_preset: "style",
  image: "imageList",
  mask: "maskImage",
  model: "model",
};

export function requestFieldFor(param: string): string {
  return ownEntry(FIELD_BY_PARAM, param) ?? `extraParams.${param}`;
}

function asBody(body: unknown): StabilityErrorBody | undefined {
  return body !== null && typeof body === "object" ? (body as StabilityErrorBody) : undefined;
}

/** `"search_prompt: is required"` → `search_prompt`; Stability prefixes each message with the field. */
function fieldOf(message: string): string | undefined {
  const m = /^\s*([a-z][a-z0-9_]*)\s*:/i.exec(message);
  return m?.[1];
}

export const parseStabilityError: ErrorParser = ({ status, body }): ProviderErrorInfo | undefined => {
  const b = asBody(body);
  if (!b) return undefined;
  const errors = (b.errors ?? []).filter((e): e is string => typeof e === "string");
  const name = typeof b.name === "string" ? b.name : undefined;
  const message = errors.length > 0 ? errors.join("; ") : (b.message ?? name);
  const param = errors.map(fieldOf).find((f) => f !== undefined);
  const info: ProviderErrorInfo = { message, code: name };
  if (name === "content_moderation" || (status === 403 && /moderat/i.test(message ?? ""))) {
    // Stability refuses the request and does not charge for it.
    return { ...info, kind: "moderation" };
  }
  if (status === 401) return { ...info, kind: "authentication" };
  if (status === 402) {
    // Out of credits: nothing a retry can fix; the account owner has to top up.
    return { ...info, kind: "authentication", message: `payment required, the account is out of credits (${message ?? "no detail"})` };
  }
  if (status === 413) {
    return { ...info, kind: "validation", field: param ? requestFieldFor(param) : "imageList", message: `request larger than Stability's 10 MiB limit (${message ?? "payload too large"})` };
  }
  if (status === 400 || status === 422) return { ...info, kind: "validation", field: param ? requestFieldFor(param) : undefined };
  return info;
};
