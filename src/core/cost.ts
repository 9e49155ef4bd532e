import type { ModelCapability, PriceBasis } from "./capabilities.js";
import { parseSize } from "./sizes.js";
import type { Cost, NormalizedImageRequest, NormalizedVideoRequest, Usage } from "./types.js";

const round = (usd: number) => Math.round(usd * 1_000_000) / 1_000_000;
const MEGAPIXEL = 1024 * 1024;

function imageUnitPrice(price: Extract<PriceBasis, { unit: "image" }>, req: NormalizedImageRequest, cap: ModelCapability): number {
  const quality = req.quality ?? cap.defaultQuality;
  const size = req.size ?? cap.sizes?.find((s) => s !== "auto");
  return (
    (quality && size ? price.byQualityAndSize?.[quality]?.[size] : undefined) ??
    (quality ? price.byQuality?.[quality] : undefined) ??
    (size ? price.bySize?.[size] : undefined) ??
    (req.resolution ? price.byResolution?.[req.resolution] : undefined) ??
    price.usd
  );
}

function tokensPerImage(perImage: number | Record<string, number>, tier: string | undefined): number {
  if (typeof perImage === "number") return perImage;
  return (tier ? perImage[tier] : undefined) ?? perImage["1K"] ?? Object.values(perImage)[0] ?? 0;
}

/** Price an image request from the catalog, before it is sent. Undefined when the model has no price. */
export function estimateImageCost(cap: ModelCapability | undefined, req: NormalizedImageRequest): Cost | undefined {
  const price = cap?.price;
  if (!price || !cap) return undefined;
  const n = req.n ?? 1;
  switch (price.unit) {
    case "image":
      return { amountUsd: round(n * imageUnitPrice(price, req, cap)), basis: "per_image", estimated: true };
    case "token":
      return {
        amountUsd: round((n * tokensPerImage(price.tokensPerImage, req.resolution) * price.outputUsdPerMillion) / 1e6),
        basis: "per_token",
        estimated: true,
      };
    case "megapixel": {
      const d = parseSize(req.size ?? "1024x1024") ?? { width: 1024, height: 1024 };
      // Providers bill megapixels of 1024² pixels, rounded up: 1024×1024 is one, 1920×1080 is two.
      const mp = Math.max(1, Math.ceil((d.width * d.height) / MEGAPIXEL - 1e-9));
      return { amountUsd: round(n * mp * price.usd), basis: "per_megapixel", estimated: true };
    }
    case "second":
      return undefined;
  }
}

export function estimateVideoCost(cap: ModelCapability | undefined, req: NormalizedVideoRequest): Cost | undefined {
  const price = cap?.price;
  if (!price || !cap || price.unit !== "second") return undefined;
  const seconds = req.durationSeconds ?? cap.defaultDuration ?? cap.durations?.[0] ?? cap.durationRange?.min;
  if (seconds === undefined) return undefined;
  const perSecond =
    (req.generateAudio && price.withAudioUsd !== undefined ? price.withAudioUsd : undefined) ??
    (req.generateAudio === false && price.withoutAudioUsd !== undefined ? price.withoutAudioUsd : undefined) ??
    (req.resolution ? price.byResolution?.[req.resolution] : undefined) ??
    price.usd;
  return { amountUsd: round(seconds * perSecond * (req.numberOfVideos ?? 1)), basis: "per_second", estimated: true };
}

/** Per-second cost from the seconds a provider reported (e.g. a job resumed without its request). */
export function costFromVideoUsage(cap: ModelCapability | undefined, usage: Usage | undefined): Cost | undefined {
  const price = cap?.price;
  if (!price || price.unit !== "second" || usage?.seconds === undefined) return undefined;
  return { amountUsd: round(usage.seconds * price.usd), basis: "per_second", estimated: true };
}

/**
 * Cost from what the provider reported. Token usage is already the total for the call, so it is never
 * multiplied by `n` (a LiteLLM bug); split calls are summed by the caller, never overwritten.
 */
export function costFromUsage(cap: ModelCapability | undefined, usage: Usage | undefined): Cost | undefined {
  const price = cap?.price;
  if (!price || !usage || price.unit !== "token") return undefined;
  const output = usage.outputTokens ?? usage.outputImageTokens;
  if (output === undefined) return undefined;
  const input = usage.inputTokens ?? 0;
  const imageInput = price.inputImageUsdPerMillion !== undefined ? Math.min(input, usage.inputImageTokens ?? 0) : 0;
  const amount =
    (output * price.outputUsdPerMillion +
      (input - imageInput) * (price.inputUsdPerMillion ?? 0) +
      imageInput * (price.inputImageUsdPerMillion ?? 0)) /
    1e6;
  return { amountUsd: round(amount), basis: "per_token", estimated: false };
}

/**
 * The cost of a mocked call: nothing was billed, so the amount is 0; the mocked model's own estimate
 * (a `dall-e-3` mocked for a demo) is kept as `estimatedRealUsd` so it is never mistaken for a charge.
 */
export function mockedCost(real: Cost | undefined): Cost {
  return { amountUsd: 0, basis: "mock", estimated: true, ...(real ? { estimatedRealUsd: real.amountUsd } : {}) };
}

export function sumCosts(costs: (Cost | undefined)[]): Cost | undefined {
  const present = costs.filter((c): c is Cost => c !== undefined);
  if (present.length === 0 || present.length !== costs.length) return undefined;
  return {
    amountUsd: round(present.reduce((s, c) => s + c.amountUsd, 0)),
    basis: present[0]!.basis,
    estimated: present.some((c) => c.estimated),
  };
}

export function sumUsage(usages: (Usage | undefined)[]): Usage | undefined {
  const present = usages.filter((u): u is Usage => u !== undefined);
  if (present.length === 0) return undefined;
  const out: Usage = {};
  for (const u of present) {
    for (const [k, v] of Object.entries(u) as [keyof Usage, number | undefined][]) {
      if (v !== undefined) out[k] = (out[k] ?? 0) + v;
    }
  }
  return out;
}
