import { randomUUID } from "node:crypto";
import type { Hono } from "hono";
import type { z } from "zod";
import type { GenerationConfigInput, ImageGenerationRequest } from "../../../../../src/core/types.js";
import { variationsRefusal } from "../../../../../src/core/lifecycle.js";
import { fieldTypo } from "../../../../../src/core/validate.js";
import { badRequest, fromZod } from "../errors.js";
import { ImageEditFormSchema, ImageGenerationBodySchema, ImageVariationFormSchema } from "../schemas.js";
import type { AppContext, AppEnv, AppState } from "../state.js";
import { formBody, jsonBody, openAIImageField, openAIUsage, outputBase64, rootParam, withClientFields } from "./shared.js";

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
  "response_modalities",
  "image",
  "mask",
]);

/** OpenAI Images API fields the gateway passes on as they are (not in HANDLED, but not typos either). */
const OPENAI_PASSTHROUGH = ["background", "moderation", "output_compression", "input_fidelity", "partial_images"];
const OPENAI_FIELDS = [...HANDLED, ...OPENAI_PASSTHROUGH];

/**
 * An unknown body field spelled like an OpenAI one (`sizee`) is a 400 naming it, unless the route (or the gateway's
 * defaults) validates in coerce mode: then it goes to the provider verbatim, like any other unknown field.
 */
function refuseTypos(state: AppState, body: Record<string, unknown>, config: GenerationConfigInput): void {
  if ((config.validation ?? state.config.defaults?.validation ?? "strict") !== "strict") return;
  for (const field of Object.keys(body)) {
    if (OPENAI_FIELDS.includes(field)) continue;
    const suggestion = fieldTypo(field, OPENAI_FIELDS);
    if (suggestion) throw badRequest(`unknown field ${JSON.stringify(field)}; did you mean ${JSON.stringify(suggestion)}?`, field);
  }
}

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
    responseModalities: body.response_modalities as ("TEXT" | "IMAGE")[] | undefined,
    extraParams: extraParams(body),
  };
  return Object.fromEntries(Object.entries(req).filter(([, v]) => v !== undefined)) as ImageGenerationRequest;
}

/** GPT image models only return base64, so OpenAI clients expect b64_json by default for them. */
function defaultFormat(config: GenerationConfigInput): "url" | "b64_json" {
  const model = (config.model ?? "").replace(/^(openai|azure-openai)\//, "");
  return /^(gpt-image|chatgpt-image)/i.test(model) ? "b64_json" : "url";
}

/** Stand-ins for base64 payloads in the serialised response; the nonce keeps caller text from matching. */
const PAYLOAD_MARK = `__tarash_b64_${randomUUID().replace(/-/g, "")}_`;

/**
 * The base64 of a `b64_json` output as bytes ready for the body. A base64 data URL (how inline outputs
 * arrive) is copied once as Latin-1; anything else goes through outputBase64 (downloads, other URLs).
 */
async function base64Bytes(state: AppState, url: string, signal: AbortSignal): Promise<Buffer> {
  const comma = url.startsWith("data:") ? url.indexOf(",") : -1;
  if (comma > 0 && url.slice(0, comma).endsWith(";base64")) return Buffer.from(url, "latin1").subarray(comma + 1);
  return Buffer.from(await outputBase64(state, url, signal), "utf8");
}

/**
 * JSON body with the base64 payloads spliced in as bytes. Base64 never needs JSON escaping, and c.json
 * would walk megabytes of it three times (JSON.stringify, Content-Length, UTF-8 encoding).
 */
function spliceJson(body: Record<string, unknown>, payloads: Buffer[]): Buffer<ArrayBuffer> {
  const text = JSON.stringify(body);
  const parts: Buffer[] = [];
  let from = 0;
  payloads.forEach((payload, i) => {
    const mark = `${PAYLOAD_MARK}${i}_`;
    const at = text.indexOf(mark, from);
    parts.push(Buffer.from(text.slice(from, at)), payload);
    from = at + mark.length;
  });
  parts.push(Buffer.from(text.slice(from)));
  const out = Buffer.allocUnsafe(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) at += p.copy(out, at);
  return out;
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
  const { response } = await withClientFields(openAIImageField, () =>
    state.generator.image(
      { tenant: principal.tenant, inline: format === "b64_json", keyId: principal.keyId, route: state.router.routeName(body.model as string | undefined, "image") },
      config,
      request,
      { signal },
    ),
  );
  const payloads = format === "b64_json" ? await Promise.all(response.images.map((img) => base64Bytes(state, img.url, signal))) : [];
  const data = response.images.map((img, i) => ({
    ...(format === "b64_json" ? { b64_json: `${PAYLOAD_MARK}${i}_` } : { url: img.url }),
    ...(img.revisedPrompt ? { revised_prompt: img.revisedPrompt } : {}),
  }));
  const usage = openAIUsage(response);
  c.header("x-tarash-generation-id", response.requestId);
  c.header("x-tarash-provider", response.provider);
  c.header("x-tarash-model", response.model);
  if (response.cost) c.header("x-tarash-cost-usd", String(response.cost.amountUsd));
  // A mocked model's answer must never pass for the real one (provider and model stay the mocked model's).
  if (response.isMock) c.header("x-tarash-mock", "true");
  const out = {
    created: Math.floor(Date.now() / 1000),
    data,
    ...(request.outputFormat ? { output_format: request.outputFormat } : {}),
    ...(usage ? { usage } : {}),
  };
  if (!payloads.length) return c.json(out);
  return c.body(spliceJson(out, payloads), 200, { "content-type": "application/json" });
}

function parseForm<S extends z.ZodType>(schema: S, raw: Record<string, unknown>, fields: readonly string[]): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw rootParam(fromZod(parsed.error), fields);
  return parsed.data;
}

export function imageRoutes(app: Hono<AppEnv>, state: AppState): void {
  app.post("/v1/images/generations", async (c) => {
    const body = await jsonBody(c, ImageGenerationBodySchema, state.config.limits);
    const config = state.router.resolve(body.model, "image");
    refuseTypos(state, body, config);
    return respond(state, c, body, libraryRequest(body), config);
  });

  app.post("/v1/images/edits", async (c) => {
    const raw = await formBody(c, ["image"]);
    const body = parseForm(ImageEditFormSchema, raw, ["image", "mask"]);
    const request = libraryRequest(body);
    request.imageList = body.image.map((image) => ({ image, type: "reference" as const }));
    if (body.mask) request.maskImage = body.mask;
    const config = state.router.resolve(body.model, "image");
    refuseTypos(state, body, config);
    return respond(state, c, body, request, config);
  });

  app.post("/v1/images/variations", async (c) => {
    const raw = await formBody(c, []);
    const body = parseForm(ImageVariationFormSchema, raw, ["image"]);
    const request = libraryRequest({ ...body, prompt: body.prompt?.trim() || "A variation of the input image" });
    request.imageList = [{ image: body.image, type: "reference" }];
    const config = state.router.resolve(body.model, "image");
    // Only a model that declares variations runs them (dall-e-2 did, until OpenAI retired it).
    const target = state.gateway.resolveModel(config.model, { ...(config.provider ? { provider: config.provider } : {}), kind: "image" });
    const refusal = variationsRefusal(state.gateway.getModelCapabilities(target.model, target.provider), state.gateway.listModels({ kind: "image" }), `${target.provider}/${target.model}`);
    if (refusal) throw badRequest(refusal, "model", "variations_unavailable");
    config.providerConfig = { ...config.providerConfig, operation: "variation" };
    return respond(state, c, body, request, config);
  });
}
