import { ContentModerationError, GenerationFailedError, ValidationError } from "../../core/errors.js";
import { readJson } from "../../core/http.js";
import type { HttpClient } from "../../core/http.js";
import type { PollStep } from "../../core/polling.js";
import type { AdapterContext, ProviderAdapter } from "../../core/provider.js";
import type { AdapterImageResult, NormalizedImageRequest } from "../../core/types.js";
import { API_PREFIX, RESULTS_PATH, hintsFor } from "./endpoints.js";
import { parseStabilityError } from "./errors.js";
import type { StabilityHints } from "./models.js";
import { parseStabilityOptions } from "./options.js";

type Mode = "binary" | "json";

interface ImageOutcome {
  data: Uint8Array;
  mediaType: string | undefined;
  finishReason: string | undefined;
  seed: string | undefined;
  raw: Record<string, unknown>;
}

const ACCEPT: Record<Mode, string> = { binary: "image/*", json: "application/json" };

function isJson(response: Response): boolean {
  return /application\/json/i.test(response.headers.get("content-type") ?? "");
}

async function appendExtra(ctx: AdapterContext, form: FormData, key: string, value: unknown): Promise<void> {
  if (value === undefined) return;
  if (value instanceof Uint8Array || value instanceof Blob) {
    const file = await ctx.media.toFile(value, `extraParams.${key}`, key);
    form.set(key, file.blob, file.filename);
  } else if (typeof value === "string") form.set(key, value);
  else if (typeof value === "number" || typeof value === "boolean") form.set(key, String(value));
  else form.set(key, JSON.stringify(value));
}

function missing(field: string, message: string): ValidationError {
  return new ValidationError(`${field}: ${message}`, { issues: [{ field, message }] });
}

/** The multipart body: Stability takes multipart/form-data on every endpoint, even text-only calls. */
async function buildForm(ctx: AdapterContext, req: NormalizedImageRequest, hints: StabilityHints): Promise<FormData> {
  const form = new FormData();
  const extra = req.extraParams ?? {};
  const label = `stability/${ctx.model}`;
  const image = req.imageList?.[0];

  if (hints.prompt === "none") ctx.warn(`prompt is not used by ${label}; it was not sent`);
  else form.set("prompt", req.prompt);
  if (req.negativePrompt !== undefined) form.set("negative_prompt", req.negativePrompt);

  if (hints.sd3Model) {
    form.set("model", hints.sd3Model);
    if (image) form.set("mode", "image-to-image");
  }
  if (req.aspectRatio !== undefined) {
    if (hints.sd3Model && image) ctx.warn(`aspectRatio is not used by ${label} in image-to-image mode (the output follows the input image); it was not sent`);
    else form.set("aspect_ratio", req.aspectRatio);
  }
  if (req.size !== undefined) ctx.warn(`size is not supported by ${label}; it was not sent`);
  if (req.seed !== undefined) form.set("seed", String(req.seed));
  if (req.outputFormat !== undefined) form.set("output_format", req.outputFormat);
  if (req.style !== undefined) form.set("style_preset", req.style);

  if (image) {
    // Ultra and sd3 reject an image without strength; saying so before any upload names the field to set.
    const needsStrength = hints.path === "generate/ultra" || hints.path === "generate/sd3";
    if (needsStrength && extra.strength === undefined) {
      throw missing("extraParams.strength", `${label} needs extraParams.strength (0–1) with an input image`);
    }
    const file = await ctx.media.toFile(image.image, "imageList.0.image", "image");
    form.set("image", file.blob, file.filename);
  } else if (hints.image === "required") {
    throw missing("imageList", `${label} needs an input image`);
  }
  if (req.maskImage !== undefined) {
    const file = await ctx.media.toFile(req.maskImage, "maskImage", "mask");
    form.set("mask", file.blob, file.filename);
  }
  for (const key of hints.requiredExtra ?? []) {
    if (extra[key] === undefined) throw missing(`extraParams.${key}`, `${label} needs extraParams.${key}`);
  }
  if (hints.anyOfExtra && !hints.anyOfExtra.some((k) => extra[k] !== undefined)) {
    const list = hints.anyOfExtra.join(", ");
    throw missing("extraParams", `${label} needs at least one of extraParams.${list.replace(/, /g, ", extraParams.")}`);
  }
  // extraParams go out verbatim and last, so they can also override a mapped field.
  for (const [key, value] of Object.entries(extra)) await appendExtra(ctx, form, key, value);
  return form;
}

type Ids = { provider: string; model: string; requestId: string };
type JsonResult = { id?: unknown; image?: unknown; finish_reason?: unknown; seed?: unknown };

/** JSON mode: `{image: base64, finish_reason, seed}` (content-type `application/json; type=image/png`). */
function fromJson(body: JsonResult, headers: Headers, ids: Ids): ImageOutcome {
  if (typeof body.image !== "string" || body.image === "") {
    throw new GenerationFailedError("stability returned JSON without an image", { ...ids, rawResponse: body });
  }
  const requestId = headers.get("x-request-id") ?? undefined;
  const finishReason = typeof body.finish_reason === "string" ? body.finish_reason : undefined;
  return {
    data: new Uint8Array(Buffer.from(body.image, "base64")),
    mediaType: /type=(image\/[a-z]+)/i.exec(headers.get("content-type") ?? "")?.[1],
    finishReason,
    seed: body.seed === undefined ? undefined : String(body.seed),
    // The base64 image is left out: rawResponse is for diagnosis, and the bytes are already in `images`.
    raw: { ...(requestId ? { id: requestId } : {}), finish_reason: finishReason, seed: body.seed, image: `<${body.image.length} base64 chars>` },
  };
}

/** Binary mode: raw bytes, with `finish-reason` and `seed` in the headers. */
async function fromBinary(response: Response): Promise<ImageOutcome> {
  const requestId = response.headers.get("x-request-id") ?? undefined;
  const data = new Uint8Array(await response.arrayBuffer());
  const mediaType = response.headers.get("content-type")?.split(";")[0]?.trim() || undefined;
  const finishReason = response.headers.get("finish-reason") ?? undefined;
  const seed = response.headers.get("seed") ?? undefined;
  return {
    data,
    mediaType,
    finishReason,
    seed,
    raw: { ...(requestId ? { id: requestId } : {}), finish_reason: finishReason, seed, content_type: mediaType, bytes: data.byteLength },
  };
}

/** Whichever form the response is in (a JSON body wins over the requested mode: it is what arrived). */
async function readImage(response: Response, ids: Ids): Promise<ImageOutcome> {
  return isJson(response) ? fromJson(await readJson<JsonResult>(response, ids), response.headers, ids) : fromBinary(response);
}

function checkFinish(outcome: ImageOutcome, ids: Ids): void {
  if (outcome.finishReason === "CONTENT_FILTERED") {
    // Stability still answers 200 but the picture is blurred: not something to hand to a user as a result.
    throw new ContentModerationError("stability: the output was blurred by Stability's content filter (finish_reason CONTENT_FILTERED)", {
      ...ids,
      code: "CONTENT_FILTERED",
      rawResponse: outcome.raw,
    });
  }
  if (outcome.finishReason !== undefined && outcome.finishReason !== "SUCCESS") {
    throw new GenerationFailedError(`stability finished with finish_reason ${outcome.finishReason}`, { ...ids, code: outcome.finishReason, rawResponse: outcome.raw });
  }
}

/** The creative upscaler (and other async endpoints) answer `{id}`; the result is polled: 202 running, 200 done. */
async function pollResult(ctx: AdapterContext, http: HttpClient, id: string, mode: Mode, ids: Ids): Promise<ImageOutcome> {
  return ctx.poll({
    what: `stability generation ${id}`,
    intervalMs: ctx.pollIntervalMs,
    check: async (): Promise<PollStep<ImageOutcome>> => {
      const response = await http.request(`${RESULTS_PATH}/${encodeURIComponent(id)}`, { method: "GET", headers: { accept: ACCEPT[mode] } });
      if (response.status === 202) {
        await response.body?.cancel();
        return { done: false, progress: { status: "processing", message: "in-progress" } };
      }
      return { done: true, value: await readImage(response, ids) };
    },
  });
}

async function generateImage(ctx: AdapterContext, req: NormalizedImageRequest): Promise<AdapterImageResult> {
  const options = parseStabilityOptions(ctx.providerConfig);
  const mode: Mode = options.responseMode ?? "binary";
  const hints = hintsFor(ctx.model, ctx.capability);
  const key = ctx.requireApiKey();
  const http = ctx.http({ headers: { authorization: `Bearer ${key}` }, parseError: parseStabilityError });
  const ids = { provider: ctx.provider, model: ctx.model, requestId: ctx.requestId };
  const form = await buildForm(ctx, req, hints);

  const response = await http.request(`${API_PREFIX}/${hints.path}`, {
    method: "POST",
    form,
    headers: { accept: hints.async ? ACCEPT.json : ACCEPT[mode] },
  });
  let outcome: ImageOutcome;
  let providerRequestId = response.headers.get("x-request-id") ?? undefined;
  if (isJson(response)) {
    const body = await readJson<JsonResult>(response, ids);
    if (typeof body.image === "string") {
      outcome = fromJson(body, response.headers, ids);
    } else if (typeof body.id === "string" && body.id !== "") {
      providerRequestId = body.id;
      await ctx.progress({ status: "processing", message: "submitted" });
      outcome = await pollResult(ctx, http, body.id, mode, ids);
    } else {
      throw new GenerationFailedError("stability returned JSON with neither an image nor a generation id", { ...ids, rawResponse: body });
    }
  } else {
    outcome = await readImage(response, ids);
  }
  checkFinish(outcome, ids);
  return {
    images: [{ data: outcome.data, mediaType: outcome.mediaType }],
    providerRequestId: providerRequestId ?? (typeof outcome.raw.id === "string" ? outcome.raw.id : undefined),
    usage: { images: 1 },
    rawResponse: outcome.raw,
  };
}

export const adapter: ProviderAdapter = { generateImage };
