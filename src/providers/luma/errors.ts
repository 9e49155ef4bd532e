import { type ErrorParser, type ProviderErrorInfo, ownEntry } from "../../core/http-errors.js";

/** Luma answers `{"detail": "..."}` or FastAPI's `{"detail": [{type, loc, msg, input, ctx}]}`. */
interface FastApiIssue {
  type?: string;
  loc?: (string | number)[];
  msg?: string;
}

/** Wording Luma uses when a prompt or image is refused by its moderation. */
export const MODERATION_TEXT = /moderat|safety|nsfw|content polic|inappropriate|prohibited|blocked|violat/i;

/** Luma body fields → the request field a user set (both spellings of the reference fields). */
const FIELD_BY_PARAM: Readonly<Record<string, string>> = {
  prompt: "prompt",
  model: "model",
  aspect_ratio: "aspectRatio",
  format: "outputFormat",
  image_ref: "imageList",
  image: "imageList",
  style_ref: "imageList",
  style: "imageList",
  character_ref: "imageList",
  character: "imageList",
  modify_image_ref: "imageList",
  modify_image: "imageList",
  keyframes: "imageList",
  duration: "durationSeconds",
  resolution: "resolution",
  loop: "extraParams.loop",
};

export function fieldFromLoc(loc: readonly (string | number)[] | undefined): string | undefined {
  const path = (loc ?? []).filter((p) => p !== "body").map(String);
  const head = path[0];
  if (head === undefined) return undefined;
  return ownEntry(FIELD_BY_PARAM, head) ?? `extraParams.${path.join(".")}`;
}

function isIssueList(v: unknown): v is FastApiIssue[] {
  return Array.isArray(v) && v.every((i) => i !== null && typeof i === "object");
}

export const parseLumaError: ErrorParser = ({ status, body }) => {
  const detail = body !== null && typeof body === "object" ? (body as { detail?: unknown }).detail : undefined;
  if (isIssueList(detail) && detail.length > 0) {
    const first = detail[0]!;
    const message = detail.map((i) => `${(i.loc ?? []).filter((p) => p !== "body").join(".") || "request"}: ${i.msg ?? i.type ?? "invalid"}`).join("; ");
    return { message, code: first.type, kind: "validation", field: fieldFromLoc(first.loc) ?? "request" };
  }
  if (typeof detail !== "string" || !detail) return undefined;
  const info: ProviderErrorInfo = { message: detail };
  if (status === 401 || status === 403) info.kind = "authentication";
  else if (MODERATION_TEXT.test(detail) && status < 500 && status !== 429) info.kind = "moderation";
  else if (/insufficient credits|billing|balance/i.test(detail)) info.kind = "failed";
  return info;
};
