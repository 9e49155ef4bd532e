import { type ErrorBody, type ProviderErrorInfo, ownEntry } from "../../core/http-errors.js";

/** Wire field → the request field a user set, so a ValidationError points at their own input. */
const REQUEST_FIELD: Record<string, string> = {
  prompt: "prompt",
  n: "n",
  aspect_ratio: "aspectRatio",
  resolution: "resolution",
  quality: "quality",
  size: "size",
  style: "style",
  image: "imageList",
  images: "imageList",
  model: "model",
  response_format: "providerConfig.responseFormat",
};

export function requestField(wire: string): string {
  return ownEntry(REQUEST_FIELD, wire) ?? `extraParams.${wire}`;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() ? v.trim() : undefined;
}

/**
 * xAI answers in two shapes: OpenAI-style `{error:{message,type,param,code}}` and gRPC-style
 * `{code:"Client specified an invalid argument", error:"…"}`. A wrong key comes back as a 400 of the
 * second shape, so it is reclassified as an authentication failure. `sent` lists the body's fields,
 * to tell which one a message naming several meant.
 */
export function parseXaiError({ body }: ErrorBody, sent: readonly string[] = []): ProviderErrorInfo | undefined {
  if (body === null || typeof body !== "object") return undefined;
  const b = body as Record<string, unknown>;
  const nested = b.error !== null && typeof b.error === "object" ? (b.error as Record<string, unknown>) : undefined;
  const message = str(nested?.message) ?? str(b.error) ?? str(b.message);
  const code = str(nested?.code) ?? str(nested?.type) ?? str(b.code);
  const info: ProviderErrorInfo = { message, code };
  const text = `${message ?? ""} ${code ?? ""}`;
  if (/incorrect api key|invalid api key|no api key|missing.*(api key|authentication|bearer)/i.test(text)) info.kind = "authentication";
  else if (/content polic|moderat|safety (system|filter)|not allowed by our|violat/i.test(text)) info.kind = "moderation";
  const param =
    str(nested?.param) ??
    /unknown field `([^`]+)`/.exec(message ?? "")?.[1] ??
    // "quality, size or style are not supported" names three; the one we sent is the culprit.
    (/not supported/i.test(message ?? "") ? ["size", "style", "quality"].find((f) => sent.includes(f) && message!.includes(f)) : undefined) ??
    /\b(aspect_ratio|resolution|response_format|quality|size|style|images?)\b/.exec(message ?? "")?.[1];
  if (param) info.field = requestField(param.toLowerCase());
  return info;
}
