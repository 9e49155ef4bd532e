/**
 * What the live smoke tests call, read from the catalog rather than written here, so the plan follows
 * the catalog as it changes: per provider, its default image model, an edit (the default image model
 * when it takes input images, else the cheapest current catalog model that does), and its default
 * video model; each with the smallest request the model accepts (smallest size or 1:1, lowest quality,
 * shortest duration, lowest resolution, no audio where that is a choice, one output).
 */
import type { Gateway, ImageGenerationRequest, ModelCapability, VideoGenerationRequest } from "../src/index.js";
import { BUILTIN_PROVIDERS } from "../src/providers/index.js";

export type Family = "image" | "edit" | "video";

export interface PlannedCall {
  provider: string;
  family: Family;
  model: string;
  request: ImageGenerationRequest | VideoGenerationRequest;
  /** The catalog's estimate, in USD, or undefined when the model has no price. */
  estimatedUsd: number | undefined;
}

/** A 64×64 PNG made here, sent as the edit's and image-to-video's input. */
export type InputImage = Uint8Array;

/** Each live provider (every built-in but mock) and the env vars its key may come from, from its definition. */
export const ENV_KEYS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  BUILTIN_PROVIDERS.filter((p) => p.requiresApiKey !== false && (p.envKeys?.length ?? 0) > 0).map((p) => [p.id, p.envKeys!]),
);

/** Providers whose input images must be https URLs (no bytes, no data: URLs): their edits are left out. */
const HTTPS_ONLY_INPUTS: ReadonlySet<string> = new Set(["luma"]);

const current = (m: ModelCapability) => m.status !== "retired" && m.status !== "deprecated";
const area = (s: string) => {
  const [w, h] = s.split("x").map(Number);
  return (w ?? 0) * (h ?? 0);
};

function imageRequest(cap: ModelCapability | undefined, prompt: string): ImageGenerationRequest {
  const req: ImageGenerationRequest = { prompt, n: 1 };
  const sizes = cap?.sizes?.filter((s) => s !== "auto");
  if (sizes && sizes.length > 0) req.size = [...sizes].sort((a, b) => area(a) - area(b))[0]!;
  else if (cap?.aspectRatios?.includes("1:1")) req.aspectRatio = "1:1";
  if (cap?.qualities?.includes("low")) req.quality = "low";
  else if (cap?.qualities?.includes("standard")) req.quality = "standard";
  if (cap?.resolutions?.includes("1K")) req.resolution = "1K";
  return req;
}

function videoRequest(cap: ModelCapability | undefined, input: InputImage): VideoGenerationRequest {
  const req: VideoGenerationRequest = { prompt: "slow waves under a grey sky, static camera" };
  const shortest = cap?.durations ? Math.min(...cap.durations) : cap?.durationRange?.min;
  if (shortest !== undefined) req.durationSeconds = shortest;
  const order = ["480p", "540p", "720p", "768p", "1080p", "4k"];
  const resolution = cap?.resolutions ? [...cap.resolutions].sort((a, b) => order.indexOf(a) - order.indexOf(b))[0] : undefined;
  if (resolution) req.resolution = resolution as VideoGenerationRequest["resolution"];
  if (cap?.aspectRatios?.includes("16:9")) req.aspectRatio = "16:9";
  if (cap?.generateAudio) req.generateAudio = false;
  if (cap?.inputs?.requiresImage) req.imageList = [{ image: input, type: "first_frame" }];
  return req;
}

function estimate(gateway: Gateway, call: Omit<PlannedCall, "estimatedUsd">): number | undefined {
  try {
    const config = { provider: call.provider, model: call.model, validation: "coerce" as const };
    const cost = call.family === "video" ? gateway.estimateCost(config, call.request as VideoGenerationRequest, "video") : gateway.estimateCost(config, call.request as ImageGenerationRequest);
    return cost?.amountUsd;
  } catch {
    return undefined;
  }
}

export function planFor(gateway: Gateway, provider: string, input: InputImage): PlannedCall[] {
  const calls: Omit<PlannedCall, "estimatedUsd">[] = [];
  const models = gateway.listModels({ provider }).filter(current);
  const defaultOf = (kind: "image" | "video") => {
    try {
      const resolved = gateway.resolveModel(undefined, { provider, kind });
      return resolved.provider === provider ? resolved.model : undefined;
    } catch {
      return undefined;
    }
  };
  const cap = (model: string) => gateway.getModelCapabilities(model, provider);

  const image = defaultOf("image");
  if (image) calls.push({ provider, family: "image", model: image, request: imageRequest(cap(image), "a red fox sitting in fresh snow, photograph") });

  if (!HTTPS_ONLY_INPUTS.has(provider)) {
    const takesImages = (m: ModelCapability | undefined) => m?.kind === "image" && (m.inputs?.maxImages ?? 0) > 0 && (m.inputs?.imageTypes?.includes("reference") ?? true);
    const editors = models.filter(takesImages);
    const editModel = image && takesImages(cap(image)) ? image : editors
      .map((m) => ({ m, usd: estimate(gateway, { provider, family: "edit", model: m.model, request: { ...imageRequest(m, "x"), imageList: [{ image: input }] } }) ?? Infinity }))
      .sort((a, b) => a.usd - b.usd)[0]?.m.model;
    if (editModel) {
      calls.push({
        provider,
        family: "edit",
        model: editModel,
        request: { ...imageRequest(cap(editModel), "make the square blue"), imageList: [{ image: input, type: "reference" }] },
      });
    }
  }

  const video = defaultOf("video");
  if (video && cap(video)) calls.push({ provider, family: "video", model: video, request: videoRequest(cap(video), input) });
  return calls.map((c) => ({ ...c, estimatedUsd: estimate(gateway, c) }));
}
