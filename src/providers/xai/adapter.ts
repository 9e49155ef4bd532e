import { ContentModerationError } from "../../core/errors.js";
import type { AdapterContext, ProviderAdapter } from "../../core/provider.js";
import type { AdapterImageResult, NormalizedImageRequest } from "../../core/types.js";
import { parseXaiError } from "./errors.js";
import { parseXaiConfig } from "./options.js";

interface XaiImageItem {
  url?: string | null;
  b64_json?: string | null;
  revised_prompt?: string | null;
  mime_type?: string | null;
  respect_moderation?: boolean | null;
}

interface XaiImageResponse {
  data?: XaiImageItem[];
  usage?: { cost_in_usd_ticks?: number | null } | null;
}

/** xAI bills in ticks of 1e-10 USD. */
const USD_PER_TICK = 1e-10;

function blocked(item: XaiImageItem): boolean {
  return item.respect_moderation === false || (!item.url && !item.b64_json);
}

async function body(ctx: AdapterContext, req: NormalizedImageRequest): Promise<{ path: string; json: Record<string, unknown> }> {
  const config = parseXaiConfig(ctx.providerConfig);
  const json: Record<string, unknown> = {
    model: ctx.model,
    prompt: req.prompt,
    response_format: config.responseFormat ?? "url",
  };
  if (req.n !== undefined) json.n = req.n;
  if (req.aspectRatio !== undefined) json.aspect_ratio = req.aspectRatio;
  if (req.resolution !== undefined) json.resolution = req.resolution.toLowerCase();
  // Only reaches here for models that declare qualities (a price tier) or models outside the catalog.
  if (req.quality !== undefined) json.quality = req.quality;
  if (config.user !== undefined) json.user = config.user;
  if (!ctx.capability) {
    for (const field of ["size", "style", "seed", "negativePrompt", "enhancePrompt", "outputFormat", "maskImage"] as const) {
      if (req[field] !== undefined) ctx.warn(`${field} has no xAI equivalent; it was not sent (use extraParams for a raw field)`);
    }
  }
  const images = req.imageList ?? [];
  let path = "/images/generations";
  if (images.length > 0) {
    // The edits endpoint takes JSON image references (https or data: URIs), not multipart.
    path = "/images/edits";
    const refs = await Promise.all(
      images.map(async (item, i) => ({ url: await ctx.media.toUrl(item.image, `imageList.${i}.image`), type: "image_url" })),
    );
    if (refs.length === 1) json.image = refs[0];
    else json.images = refs;
  }
  return { path, json: { ...json, ...req.extraParams } };
}

async function generateImage(ctx: AdapterContext, req: NormalizedImageRequest): Promise<AdapterImageResult> {
  const { path, json } = await body(ctx, req);
  const sent = Object.keys(json);
  const http = ctx.http({ headers: { authorization: `Bearer ${ctx.requireApiKey()}` }, parseError: (e) => parseXaiError(e, sent) });
  await ctx.progress({ status: "processing", message: path.endsWith("edits") ? "editing" : "generating" });
  const res = await http.json<XaiImageResponse>(path, { json });
  const items = res.data ?? [];
  const kept = items.filter((item) => !blocked(item));
  if (items.length > 0 && kept.length === 0) {
    throw new ContentModerationError(`xai: every image was withheld by xAI moderation`, {
      code: "respect_moderation",
      rawResponse: res,
    });
  }
  if (kept.length < items.length) {
    ctx.warn(`${items.length - kept.length} of ${items.length} images were withheld by xAI moderation and dropped`);
  }
  const images = kept.map((item) => ({
    ...(item.b64_json ? { data: new Uint8Array(Buffer.from(item.b64_json, "base64")) } : { url: item.url! }),
    mediaType: item.mime_type ?? undefined,
    revisedPrompt: item.revised_prompt ?? undefined,
  }));
  const ticks = res.usage?.cost_in_usd_ticks;
  return {
    images,
    revisedPrompt: images.find((i) => i.revisedPrompt)?.revisedPrompt,
    usage: { images: images.length },
    costUsd: typeof ticks === "number" && ticks >= 0 ? Math.round(ticks * USD_PER_TICK * 1e6) / 1e6 : undefined,
    // b64 payloads are the images themselves; keep the raw record small.
    rawResponse: { ...res, data: items.map((i) => (i.b64_json ? { ...i, b64_json: `[${i.b64_json.length} base64 chars]` } : i)) },
  };
}

export const xaiAdapter: ProviderAdapter = { generateImage };
