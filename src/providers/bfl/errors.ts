import { type ErrorParser, type ProviderErrorInfo, ownEntry } from "../../core/http-errors.js";

/** BFL JSON fields → the request field a user set. */
const FIELD_BY_PARAM: Readonly<Record<string, string>> = {
  prompt: "prompt",
  seed: "seed",
  width: "size",
  height: "size",
  aspect_ratio: "aspectRatio",
  output_format: "outputFormat",
  prompt_upsampling: "enhancePrompt",
  raw: "style",
  image_prompt: "imageList",
  image: "imageList",
  mask: "maskImage",
};

export function requestFieldFor(param: string): string {
  if (/^input_image(_\d+)?$/.test(param)) return "imageList";
  return ownEntry(FIELD_BY_PARAM, param) ?? `extraParams.${param}`;
}

interface DetailItem {
  loc?: unknown[];
  msg?: string;
  type?: string;
}

/** FastAPI's `{detail: string | [{loc, msg, type}]}`, or `{message}`. */
function describe(body: unknown): { message?: string; param?: string; type?: string } {
  if (body === null || typeof body !== "object") return {};
  const b = body as { detail?: unknown; message?: unknown };
  if (typeof b.detail === "string") return { message: b.detail };
  if (Array.isArray(b.detail)) {
    const items = b.detail.filter((d): d is DetailItem => d !== null && typeof d === "object");
    const message = items.map((d) => `${(d.loc ?? []).filter((l) => l !== "body").join(".") || "body"}: ${d.msg ?? "invalid"}`).join("; ");
    const first = items[0];
    const loc = (first?.loc ?? []).filter((l): l is string => typeof l === "string" && l !== "body");
    return { message, param: loc[0], type: first?.type };
  }
  if (typeof b.message === "string") return { message: b.message };
  return {};
}

export const parseBflError: ErrorParser = ({ status, body }): ProviderErrorInfo | undefined => {
  const { message, param, type } = describe(body);
  const info: ProviderErrorInfo = { message, code: type };
  if (status === 402) {
    // Out of credits: a retry cannot fix it; the account owner has to top up.
    return { ...info, kind: "authentication", code: "insufficient_credits", message: `payment required, the account is out of credits (${message ?? "no detail"})` };
  }
  if (status === 401 || status === 403) return { ...info, kind: /moderat/i.test(message ?? "") ? "moderation" : "authentication" };
  if (status === 400 || status === 422) return { ...info, kind: "validation", field: param ? requestFieldFor(param) : undefined };
  return message === undefined ? undefined : info;
};
