import type { ModelCapability } from "../../core/capabilities.js";
import { GenerationFailedError, ValidationError } from "../../core/errors.js";
import type { AdapterContext, ProviderAdapter } from "../../core/provider.js";
import { parseRatio, parseSize } from "../../core/sizes.js";
import type { AdapterImageResult, NormalizedImageRequest } from "../../core/types.js";
import type { AlibabaHints, DashScopeEndpoint } from "./models.js";
import { type MultimodalResponse, generateMultimodal } from "./multimodal.js";
import { parseAlibabaOptions } from "./options.js";
import { type DashScopeTask, submitTask, taskError, waitForTask } from "./tasks.js";

export const TEXT2IMAGE_PATH = "/api/v1/services/aigc/text2image/image-synthesis";

type Json = Record<string, unknown>;

function hintsOf(cap: ModelCapability | undefined): Partial<AlibabaHints> {
  return (cap?.adapterHints ?? {}) as Partial<AlibabaHints>;
}

/** Models the catalog does not know: the name says which protocol family they belong to. */
function endpointFor(ctx: AdapterContext, req: NormalizedImageRequest): DashScopeEndpoint {
  const configured = parseAlibabaOptions(ctx.providerConfig).endpoint;
  if (configured) return configured;
  const hinted = hintsOf(ctx.capability).endpoint;
  if (hinted) return hinted;
  if ((req.imageList?.length ?? 0) > 0) return "multimodal";
  return /^(qwen-image|z-image|wan2\.[6-9]|wan[3-9])/i.test(ctx.model) ? "multimodal" : "text2image";
}

const MULTIPLE = 16;

/**
 * Pixels for an aspect ratio on a model that takes free sizes: the model's usual area, pulled inside its
 * side and area bounds, sides rounded to multiples of 16.
 */
function sizeForRatio(ratio: string, cap: ModelCapability | undefined): string | undefined {
  const r = parseRatio(ratio);
  if (r === undefined) return undefined;
  const h = hintsOf(cap);
  const c = cap?.sizeConstraints ?? {};
  let pixels = h.defaultPixels ?? 1024 * 1024;
  if (h.minPixels !== undefined) pixels = Math.max(pixels, h.minPixels);
  if (c.maxPixels !== undefined) pixels = Math.min(pixels, c.maxPixels);
  let width = Math.sqrt(pixels * r);
  let height = Math.sqrt(pixels / r);
  if (c.maxSide !== undefined && Math.max(width, height) > c.maxSide) {
    const s = c.maxSide / Math.max(width, height);
    width *= s;
    height *= s;
  }
  const down = (v: number) => Math.max(MULTIPLE, Math.floor(v / MULTIPLE) * MULTIPLE);
  let w = down(width);
  let hh = down(height);
  if (c.minSide !== undefined) {
    w = Math.max(w, Math.ceil(c.minSide / MULTIPLE) * MULTIPLE);
    hh = Math.max(hh, Math.ceil(c.minSide / MULTIPLE) * MULTIPLE);
  }
  return `${w}*${hh}`;
}

/** DashScope writes sizes as `W*H`. */
function wireSize(ctx: AdapterContext, req: NormalizedImageRequest): string | undefined {
  if (req.size && req.size !== "auto") {
    const d = parseSize(req.size);
    return d ? `${d.width}*${d.height}` : undefined;
  }
  if (req.aspectRatio) return sizeForRatio(req.aspectRatio, ctx.capability);
  return undefined;
}

/** Fields DashScope has no parameter for; only unknown models get here (the catalog rejects them earlier). */
function warnUnmapped(ctx: AdapterContext, req: NormalizedImageRequest): void {
  for (const field of ["quality", "resolution", "outputFormat"] as const) {
    if (req[field] !== undefined) ctx.warn(`${field} has no DashScope parameter; it was not sent to ${ctx.provider}/${ctx.model}`);
  }
  if (req.maskImage !== undefined) {
    throw new ValidationError(`maskImage: ${ctx.provider}/${ctx.model} takes no mask on this endpoint`, {
      issues: [{ field: "maskImage", message: "DashScope image models here take no mask" }],
    });
  }
}

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * `extraParams` go where DashScope keeps its tunables: `input` / `parameters` objects merge into those
 * sections, any other key lands in `parameters` (e.g. `watermark`, `ref_img`).
 */
function applyExtra(body: { model: string; input: Json; parameters: Json }, extra: Json | undefined): void {
  for (const [key, value] of Object.entries(extra ?? {})) {
    if ((key === "input" || key === "parameters") && isObject(value)) Object.assign(body[key], value);
    else body.parameters[key] = value;
  }
}

function commonParameters(ctx: AdapterContext, req: NormalizedImageRequest): Json {
  const options = parseAlibabaOptions(ctx.providerConfig);
  const parameters: Json = {};
  const size = wireSize(ctx, req);
  if (size) parameters.size = size;
  if (req.n !== undefined) parameters.n = req.n;
  if (req.seed !== undefined) parameters.seed = req.seed;
  if (req.negativePrompt !== undefined) parameters.negative_prompt = req.negativePrompt;
  if (req.enhancePrompt !== undefined) parameters.prompt_extend = req.enhancePrompt;
  if (options.watermark !== undefined) parameters.watermark = options.watermark;
  return parameters;
}

async function downloadAll(ctx: AdapterContext, urls: { url: string; revisedPrompt?: string | undefined }[]): Promise<AdapterImageResult["images"]> {
  // Result URLs are signed OSS links valid for 24 h, so the bytes are fetched now.
  return Promise.all(
    urls.map(async ({ url, revisedPrompt }, i) => {
      const { data, mediaType } = await ctx.media.download(url, { field: `output.${i}` });
      return { data, mediaType, revisedPrompt };
    }),
  );
}

function imageCount(usage: Record<string, unknown> | undefined): number | undefined {
  const n = usage?.image_count;
  return typeof n === "number" ? n : undefined;
}

async function viaTask(ctx: AdapterContext, req: NormalizedImageRequest): Promise<AdapterImageResult> {
  if ((req.imageList?.length ?? 0) > 0) {
    throw new ValidationError(
      `imageList: ${ctx.provider}/${ctx.model} runs on the text-to-image task endpoint, which takes no input images; pass the model's own input fields in extraParams`,
      { issues: [{ field: "imageList", message: "the text2image endpoint takes no input images" }] },
    );
  }
  const input: Json = { prompt: req.prompt };
  if (req.negativePrompt !== undefined) input.negative_prompt = req.negativePrompt;
  const { negative_prompt: _moved, ...parameters } = commonParameters(ctx, req);
  if (req.style !== undefined) parameters.style = req.style;
  const body = { model: ctx.model, input, parameters };
  applyExtra(body, req.extraParams);

  const submitted = await submitTask(ctx, TEXT2IMAGE_PATH, body);
  const taskId = submitted.output.task_id;
  const task: DashScopeTask = await waitForTask(ctx, taskId);

  const results = task.output.results ?? [];
  const ok = results.filter((r): r is typeof r & { url: string } => typeof r.url === "string" && r.url !== "");
  const failed = results.filter((r) => !r.url);
  if (ok.length === 0) {
    const first = failed[0];
    if (first) throw taskError(ctx, first.code, first.message, task);
    throw new GenerationFailedError(`${ctx.provider}: task ${taskId} succeeded without any result URL`, {
      provider: ctx.provider,
      model: ctx.model,
      requestId: ctx.requestId,
      rawResponse: task,
    });
  }
  for (const f of failed) {
    ctx.warn(`${ctx.provider} produced ${ok.length} of ${results.length} images; one failed${f.code ? ` (${f.code}${f.message ? `: ${f.message}` : ""})` : ""}`);
  }
  const images = await downloadAll(
    ctx,
    ok.map((r) => ({ url: r.url, revisedPrompt: r.actual_prompt && r.actual_prompt !== req.prompt ? r.actual_prompt : undefined })),
  );
  return {
    images,
    providerRequestId: taskId,
    revisedPrompt: images.find((i) => i.revisedPrompt)?.revisedPrompt,
    usage: { images: imageCount(task.usage) ?? images.length },
    rawResponse: task,
  };
}

async function viaMultimodal(ctx: AdapterContext, req: NormalizedImageRequest): Promise<AdapterImageResult> {
  const content: Json[] = [];
  for (const [i, item] of (req.imageList ?? []).entries()) {
    // DashScope takes a public URL or a data URI for each input image.
    content.push({ image: await ctx.media.toUrl(item.image, `imageList.${i}.image`) });
  }
  content.push({ text: req.prompt });
  const parameters = commonParameters(ctx, req);
  if (req.style !== undefined) parameters.style = req.style;
  const body = { model: ctx.model, input: { messages: [{ role: "user", content }] }, parameters };
  applyExtra(body, req.extraParams);

  await ctx.progress({ status: "processing" });
  const res: MultimodalResponse = await generateMultimodal(ctx, body);
  const urls: string[] = [];
  const texts: string[] = [];
  for (const choice of res.output?.choices ?? []) {
    for (const part of choice.message?.content ?? []) {
      if (typeof part.image === "string" && part.image) urls.push(part.image);
      if (typeof part.text === "string" && part.text) texts.push(part.text);
    }
  }
  if (urls.length === 0) {
    const reason = res.output?.choices?.[0]?.finish_reason;
    throw new GenerationFailedError(`${ctx.provider}: the response carried no image${reason ? ` (finish_reason ${reason})` : ""}`, {
      provider: ctx.provider,
      model: ctx.model,
      requestId: ctx.requestId,
      rawResponse: res,
    });
  }
  const width = typeof res.usage?.width === "number" ? res.usage.width : undefined;
  const height = typeof res.usage?.height === "number" ? res.usage.height : undefined;
  const images = (await downloadAll(ctx, urls.map((url) => ({ url })))).map((img) => ({ ...img, width, height }));
  return {
    images,
    providerRequestId: res.request_id,
    text: texts.length > 0 ? texts.join("\n") : undefined,
    usage: { images: imageCount(res.usage) ?? images.length },
    rawResponse: res,
  };
}

async function generateImage(ctx: AdapterContext, req: NormalizedImageRequest): Promise<AdapterImageResult> {
  ctx.requireApiKey();
  warnUnmapped(ctx, req);
  return endpointFor(ctx, req) === "multimodal" ? viaMultimodal(ctx, req) : viaTask(ctx, req);
}

export const adapter: ProviderAdapter = { generateImage };
