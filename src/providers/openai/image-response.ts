import { HTTPError } from "../../core/errors.js";
import { ownEntry } from "../../core/http-errors.js";
import { parseSize } from "../../core/sizes.js";
import type { AdapterImageResult, Usage } from "../../core/types.js";
import type { OpenAIImageFamily } from "./models.js";
import { redactPrefix } from "../../core/redact.js";
import type { ResponseHead } from "../../core/http.js";

/** `ImagesResponse` of generations, edits and variations. */
export interface OpenAIImagesResponse {
  created?: number;
  data?: { b64_json?: string; url?: string; revised_prompt?: string }[];
  background?: string;
  output_format?: string;
  quality?: string;
  size?: string;
  usage?: {
    input_tokens?: number;
    input_tokens_details?: { image_tokens?: number; text_tokens?: number };
    output_tokens?: number;
    output_tokens_details?: { image_tokens?: number; text_tokens?: number };
    total_tokens?: number;
  };
}

const MEDIA_TYPES: Record<string, string> = { png: "image/png", jpeg: "image/jpeg", jpg: "image/jpeg", webp: "image/webp" };

/** Token usage as the gateway reports it, plus the image count. */
export function toUsage(body: OpenAIImagesResponse, images: number): Usage {
  const u = body.usage;
  const usage: Usage = { images };
  if (!u) return usage;
  if (u.input_tokens !== undefined) usage.inputTokens = u.input_tokens;
  if (u.output_tokens !== undefined) usage.outputTokens = u.output_tokens;
  if (u.total_tokens !== undefined) usage.totalTokens = u.total_tokens;
  if (u.input_tokens_details?.image_tokens !== undefined) usage.inputImageTokens = u.input_tokens_details.image_tokens;
  if (u.output_tokens_details?.image_tokens !== undefined) usage.outputImageTokens = u.output_tokens_details.image_tokens;
  return usage;
}

/** The response without its base64 payloads, so `rawResponse` stays small. */
function withoutPayloads(body: OpenAIImagesResponse): unknown {
  return {
    ...body,
    data: body.data?.map((d) => (d.b64_json === undefined ? d : { ...d, b64_json: `[${d.b64_json.length} base64 chars omitted]` })),
  };
}

function parseBody(data: Uint8Array, status: number, ids: { provider: string; model: string; requestId?: string | undefined }): OpenAIImagesResponse {
  const text = new TextDecoder().decode(data);
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === "object") return parsed as OpenAIImagesResponse;
  } catch {
    // Reported below, like any other unusable body.
  }
  throw new HTTPError(`${ids.provider} returned a body that is not a JSON object (status ${status})`, { ...ids, rawResponse: redactPrefix(text, 500) });
}

/** Turn an `ImagesResponse` (read whole, so the request timeout covers the body) into the adapter result. */
export function readImagesResponse(
  { data, response }: { data: Uint8Array; response: ResponseHead },
  family: OpenAIImageFamily,
  ids: { provider: string; model: string; requestId?: string | undefined },
  requestIdHeaders: readonly string[],
): AdapterImageResult {
  const body = parseBody(data, response.status, ids);
  const format = body.output_format ?? (family === "gpt-image" ? undefined : "png");
  const mediaType = typeof format === "string" ? ownEntry(MEDIA_TYPES, format) : undefined;
  const dims = body.size ? parseSize(body.size) : undefined;
  const images = (body.data ?? []).flatMap((item): AdapterImageResult["images"] => {
    const common = { mediaType, width: dims?.width, height: dims?.height, revisedPrompt: item.revised_prompt };
    // Passed on as base64: the core decodes it only if it stores the bytes, and never encodes it again.
    if (item.b64_json) return [{ ...common, base64: item.b64_json }];
    if (item.url) return [{ ...common, url: item.url }];
    return [];
  });
  const providerRequestId = requestIdHeaders.map((h) => response.headers.get(h)).find((v): v is string => !!v);
  return {
    images,
    providerRequestId,
    revisedPrompt: images.find((i) => i.revisedPrompt)?.revisedPrompt,
    usage: toUsage(body, images.length),
    rawResponse: withoutPayloads(body),
  };
}
