import { ValidationError } from "../../core/errors.js";
import type { AdapterContext } from "../../core/provider.js";
import { parseSize, ratioOf } from "../../core/sizes.js";
import type { NormalizedImageRequest } from "../../core/types.js";
import type { ReplicateImageHints } from "./models.js";

export interface BuiltInput {
  input: Record<string, unknown>;
  /** Wire name → request field, for naming the field in a 422. */
  fieldNames: Record<string, string>;
}

/**
 * Translate a gateway image request into a Replicate model's `input`, using the field names the
 * catalog declares for the model. A parameter the model has no field for is reported in
 * `warnings`, never silently dropped; `extraParams` go in last, verbatim.
 */
export async function buildImageInput(
  ctx: AdapterContext,
  request: NormalizedImageRequest,
  hints: ReplicateImageHints,
): Promise<BuiltInput> {
  const input: Record<string, unknown> = { prompt: request.prompt };
  const fieldNames: Record<string, string> = { prompt: "prompt" };
  const set = (wire: string, value: unknown, field: string) => {
    input[wire] = value;
    fieldNames[wire] = field;
  };
  const notSent = (field: string) =>
    ctx.warn(`${field} is not mapped for replicate ${ctx.model}; it was not sent (pass the model's own input name in extraParams)`);

  const { aspectRatio, size } = request;
  if (size !== undefined && size !== "auto") {
    if (hints.size) set(hints.size, size, "size");
    else if (hints.aspectRatio && aspectRatio === undefined) {
      // A model that sizes by ratio gets the ratio of the requested size.
      const ratio = ratioOf(parseSize(size)!);
      set(hints.aspectRatio, ratio, "size");
      ctx.warn(`size ${size} was sent as aspect ratio ${ratio}: replicate ${ctx.model} sizes by aspect ratio`);
    } else notSent("size");
  }
  if (aspectRatio !== undefined) {
    if (hints.aspectRatio) set(hints.aspectRatio, aspectRatio, "aspectRatio");
    else notSent("aspectRatio");
  }
  // Without a count field the adapter runs one prediction per image instead.
  if (request.n !== undefined && hints.count) set(hints.count, request.n, "n");
  if (request.seed !== undefined) {
    if (hints.seed) set(hints.seed, request.seed, "seed");
    else notSent("seed");
  }
  if (request.negativePrompt !== undefined) {
    if (hints.negativePrompt) set(hints.negativePrompt, request.negativePrompt, "negativePrompt");
    else notSent("negativePrompt");
  }
  if (request.outputFormat !== undefined) {
    if (hints.outputFormat) set(hints.outputFormat, hints.outputFormatValues?.[request.outputFormat] ?? request.outputFormat, "outputFormat");
    else notSent("outputFormat");
  }
  if (request.enhancePrompt !== undefined) {
    if (hints.enhancePrompt) {
      const values = hints.enhancePromptValues;
      set(hints.enhancePrompt, values ? values[request.enhancePrompt ? 0 : 1] : request.enhancePrompt, "enhancePrompt");
    } else notSent("enhancePrompt");
  }
  if (request.style !== undefined) {
    if (hints.style) set(hints.style, request.style, "style");
    else notSent("style");
  }
  if (request.resolution !== undefined) {
    if (hints.resolution) set(hints.resolution, hints.resolutionValues?.[request.resolution] ?? request.resolution, "resolution");
    else notSent("resolution");
  }
  if (request.quality !== undefined) notSent("quality");

  await addImages(ctx, request, hints, set);

  for (const [key, value] of Object.entries(request.extraParams ?? {})) set(key, value, `extraParams.${key}`);
  return { input, fieldNames };
}

async function addImages(
  ctx: AdapterContext,
  request: NormalizedImageRequest,
  hints: ReplicateImageHints,
  set: (wire: string, value: unknown, field: string) => void,
): Promise<void> {
  const images = request.imageList ?? [];
  const refuse = (field: string, message: string) => {
    throw new ValidationError(`replicate ${ctx.model}: ${message}`, { issues: [{ field, message }], provider: ctx.provider, model: ctx.model });
  };
  // Grouped by wire field so several types may share one list (FLUX.2 `input_images`).
  const byField = new Map<string, { list: boolean; urls: string[]; field: string }>();
  for (const [i, item] of images.entries()) {
    const target = hints.images?.[item.type];
    if (!target) {
      // A model that ignores the image would return an unrelated picture; refuse instead.
      refuse(`imageList.${i}.type`, `input images of type ${JSON.stringify(item.type)} are not mapped for this model; pass them in extraParams under the model's input name`);
      return;
    }
    const entry = byField.get(target.field) ?? { list: target.list === true, urls: [], field: `imageList.${i}` };
    entry.urls.push(await ctx.media.toUrl(item.image, `imageList.${i}.image`));
    byField.set(target.field, entry);
  }
  for (const [wire, entry] of byField) {
    if (!entry.list && entry.urls.length > 1) refuse("imageList", `${wire} takes one image, got ${entry.urls.length}`);
    set(wire, entry.list ? entry.urls : entry.urls[0], entry.list ? "imageList" : entry.field);
  }
  if (request.maskImage !== undefined) {
    if (!hints.mask) refuse("maskImage", "this model takes no mask");
    else set(hints.mask, await ctx.media.toUrl(request.maskImage, "maskImage"), "maskImage");
  }
}
