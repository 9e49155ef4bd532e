import type { Hono } from "hono";
import type { z } from "zod";
import type { GenerationConfigInput, ImageGenerationRequest } from "../../core/types.js";
import { fromZod } from "../errors.js";
import { ImageEditFormSchema, ImageGenerationBodySchema, ImageVariationFormSchema } from "../schemas.js";
import type { AppContext, AppEnv, AppState } from "../state.js";
import { formBody, jsonBody, openAIUsage, outputBase64, rootParam } from "./shared.js";

/** OpenAI request fields that map onto library fields (or are handled by the gateway itself). */
const HANDLED = new Set([
  "prompt",
  "model",
  "n",
  "size",
  "quality",
  "style",
  "response_format",
  "output_format",
  "user",
  "stream",
  "negative_prompt",
  "seed",
  "aspect_ratio",
  "resolution",
  "image",
  "mask",
]);

/** Everything else (background, moderation, output_compression, input_fidelity, provider fields) goes to the provider verbatim. */
function extraParams(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const extra = Object.fromEntries(Object.entries(body).filter(([k, v]) => !HANDLED.has(k) && v !== undefined));
  return Object.keys(extra).length ? extra : undefined;
}

function libraryRequest(body: Record<string, unknown>): ImageGenerationRequest {
  const req: ImageGenerationRequest = {
    prompt: body.prompt as string,
    n: body.n as number | undefined,
    size: body.size as string | undefined,
    quality: body.quality as string | undefined,
    style: body.style as string | undefined,
    outputFormat: body.output_format as "png" | "jpeg" | "webp" | undefined,
    negativePrompt: body.negative_prompt as string | undefined,
    seed: body.seed as number | undefined,
    aspectRatio: body.aspect_ratio as string | undefined,
    resolution: body.resolution as "1K" | "2K" | "4K" | undefined,
    extraParams: extraParams(body),
  };
  return Object.fromEntries(Object.entries(req).filter(([, v]) => v !== undefined)) as ImageGenerationRequest;
}

/** GPT image models only return base64, so OpenAI clients expect b64_json by default for them. */
function defaultFormat(config: GenerationConfigInput): "url" | "b64_json" {
  const model = (config.model ?? "").replace(/^(openai|azure-openai)\//, "");
  return /^(gpt-image|chatgpt-image)/i.test(model) ? "b64_json" : "url";
}

async function respond(
  state: AppState,
  c: AppContext,
  body: Record<string, unknown>,
  request: ImageGenerationRequest,
  config: GenerationConfigInput,
) {
  const format = (body.response_format as "url" | "b64_json" | undefined) ?? defaultFormat(config);
  const principal = c.get("principal");
  const signal = c.req.raw.signal;
  const { response } = await state.generator.image({ tenant: principal.tenant, inline: format === "b64_json" }, config, request, { signal });
  const data = await Promise.all(
    response.images.map(async (img) => ({
      ...(format === "b64_json" ? { b64_json: await outputBase64(state, img.url, signal) } : { url: img.url }),
      ...(img.revisedPrompt ? { revised_prompt: img.revisedPrompt } : {}),
    })),
  );
  const usage = openAIUsage(response);
  c.header("x-request-id", response.requestId);
  c.header("x-tarash-provider", response.provider);
  c.header("x-tarash-model", response.model);
  if (response.cost) c.header("x-tarash-cost-usd", String(response.cost.amountUsd));
  return c.json({
    created: Math.floor(Date.now() / 1000),
    data,
    ...(request.outputFormat ? { output_format: request.outputFormat } : {}),
    ...(usage ? { usage } : {}),
  });
}

function parseForm<S extends z.ZodType>(schema: S, raw: Record<string, unknown>, fields: readonly string[]): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw rootParam(fromZod(parsed.error), fields);
  return parsed.data;
}

export function imageRoutes(app: Hono<AppEnv>, state: AppState): void {
  app.post("/v1/images/generations", async (c) => {
    const body = await jsonBody(c, ImageGenerationBodySchema);
    const config = state.router.resolve(body.model, "image");
    return respond(state, c, body, libraryRequest(body), config);
  });

  app.post("/v1/images/edits", async (c) => {
    const raw = await formBody(c, ["image"]);
    const body = parseForm(ImageEditFormSchema, raw, ["image", "mask"]);
    const request = libraryRequest(body);
    request.imageList = body.image.map((image) => ({ image, type: "reference" as const }));
    if (body.mask) request.maskImage = body.mask;
    return respond(state, c, body, request, state.router.resolve(body.model, "image"));
  });

  app.post("/v1/images/variations", async (c) => {
    const raw = await formBody(c, []);
    const body = parseForm(ImageVariationFormSchema, raw, ["image"]);
    const request = libraryRequest({ ...body, prompt: body.prompt?.trim() || "A variation of the input image" });
    request.imageList = [{ image: body.image, type: "reference" }];
    const config = state.router.resolve(body.model, "image");
    // Providers with a dedicated variations endpoint (OpenAI dall-e-2) read this hint; others run an
    // image-to-image generation from the reference.
    config.providerConfig = { ...config.providerConfig, operation: "variation" };
    return respond(state, c, body, request, config);
  });
}
