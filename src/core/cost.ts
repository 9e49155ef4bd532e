import type { ModelCapability, PriceBasis } from "./capabilities.js";
import { ASSUMED_INPUT_IMAGE, estimateTextTokens, imageInputTokens, inputImageDimensions } from "./cost-tokens.js";
import { type Dimensions, dimensionsForRatio, formatSize, parseSize } from "./sizes.js";
import type { Cost, CostBreakdown, CostPart, NormalizedImageRequest, NormalizedVideoRequest, Usage } from "./types.js";

const round = (usd: number) => Math.round(usd * 1_000_000) / 1_000_000;
const MEGAPIXEL = 1024 * 1024;

/** A price table entry for a client-written key (quality, size, tier): own keys only, never Object.prototype's. */
function own<V>(table: Readonly<Record<string, V>> | undefined, key: string | undefined): V | undefined {
  return table !== undefined && key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

type TokenPrice = Extract<PriceBasis, { unit: "token" }>;

function imageUnitPrice(price: Extract<PriceBasis, { unit: "image" }>, req: NormalizedImageRequest, cap: ModelCapability): number {
  const quality = req.quality ?? cap.defaultQuality;
  const size = req.size ?? cap.sizes?.find((s) => s !== "auto");
  return (
    own(own(price.byQualityAndSize, quality), size) ??
    own(price.byQuality, quality) ??
    own(price.bySize, size) ??
    own(price.byResolution, req.resolution) ??
    price.usd
  );
}

function tokensPerImage(perImage: number | Record<string, number>, tier: string | undefined): number {
  if (typeof perImage === "number") return perImage;
  return own(perImage, tier) ?? perImage["1K"] ?? Object.values(perImage)[0] ?? 0;
}

/**
 * The listed size whose price best stands for `target`. Both area and shape move the price (OpenAI
 * prices an elongated image below a square one of the same area), shape twice as much: a 1280x720
 * image is priced as 1536x1024, not as the square 1024x1024 nor the 16:9 3840x2160 nine times its area.
 */
function nearestPricedSize(target: Dimensions, listed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const s of listed) {
    const d = parseSize(s);
    if (!d) continue;
    const score =
      Math.abs(Math.log((d.width * d.height) / (target.width * target.height))) +
      2 * Math.abs(Math.log(d.width / d.height / (target.width / target.height)));
    if (score < bestScore) {
      best = s;
      bestScore = score;
    }
  }
  return best;
}

/** Pixels of each resolution tier, for a free-size model asked for a tier and a ratio instead of a size. */
const TIER_PIXELS: Readonly<Record<string, number>> = { "1K": 1024 * 1024, "2K": 2048 * 2048, "4K": 3840 * 2160 };

/** The size a tier and ratio stand for (4K 16:9 → about 3840x2160); undefined when neither is given. */
function tierSize(req: NormalizedImageRequest): string | undefined {
  if (req.aspectRatio === undefined && req.resolution === undefined) return undefined;
  const d = dimensionsForRatio(req.aspectRatio ?? "1:1", (own(TIER_PIXELS, req.resolution ?? "1K") ?? TIER_PIXELS["1K"]!) / 1e6);
  return d ? formatSize(d) : undefined;
}

/**
 * One output image's price from a provider's quality × size table (OpenAI's GPT image table).
 * `auto` (or no) quality is priced as the dearest quality, since the provider picks and bills it: the
 * estimate is what the call can cost at most. `auto` (or no) size is the model's first listed size; a
 * free-size model asked for a tier and ratio is priced at that tier's pixels in that shape, else at the
 * table's first row; a size the table does not list is priced as its nearest row.
 */
function tableUnitPrice(table: Record<string, Record<string, number>>, req: NormalizedImageRequest, cap: ModelCapability): number | undefined {
  const wanted = req.size && req.size !== "auto" ? req.size : (cap.sizes?.find((s) => s !== "auto") ?? tierSize(req));
  const row = (quality: string) => {
    const prices = own(table, quality);
    if (!prices) return undefined;
    const exact = own(prices, wanted);
    if (exact !== undefined) return exact;
    const listed = Object.keys(prices);
    const dims = wanted ? parseSize(wanted) : undefined;
    const near = dims ? nearestPricedSize(dims, listed) : listed[0];
    return near === undefined ? undefined : prices[near];
  };
  if (req.quality && req.quality !== "auto") return row(req.quality);
  const all = Object.keys(table).map(row).filter((p): p is number => p !== undefined);
  return all.length ? Math.max(...all) : undefined;
}

function part(amountUsd: number, estimated: boolean, tokens?: number): CostPart {
  return tokens === undefined ? { amountUsd: round(amountUsd), estimated } : { amountUsd: round(amountUsd), tokens, estimated };
}

/**
 * A token-priced request before it is sent: the images out, the prompt in and the input images in.
 * Input is counted once per output image (Gemini makes one call per image; for an OpenAI call of n
 * images this is an upper bound).
 */
function estimateTokenCost(price: TokenPrice, req: NormalizedImageRequest, cap: ModelCapability): Cost {
  const n = req.n ?? 1;
  const table = price.outputUsdByQualityAndSize ? tableUnitPrice(price.outputUsdByQualityAndSize, req, cap) : undefined;
  const outTokens = table === undefined ? tokensPerImage(price.tokensPerImage, req.resolution) : undefined;
  const output =
    table !== undefined
      ? part(n * table, true)
      : part((n * outTokens! * price.outputUsdPerMillion) / 1e6, true, n * outTokens!);
  const breakdown: CostBreakdown = { output };
  if (price.inputUsdPerMillion !== undefined) {
    const tokens = n * estimateTextTokens(req.prompt);
    breakdown.inputText = part((tokens * price.inputUsdPerMillion) / 1e6, true, tokens);
  }
  const images = req.imageList ?? [];
  const imageRate = price.inputImageUsdPerMillion ?? price.inputUsdPerMillion;
  if (images.length > 0 && price.inputImageTokens && imageRate !== undefined) {
    const rule = price.inputImageTokens;
    const perCall = images.reduce((sum, item) => sum + imageInputTokens(rule, inputImageDimensions(item.image) ?? ASSUMED_INPUT_IMAGE), 0);
    breakdown.inputImages = part((n * perCall * imageRate) / 1e6, true, n * perCall);
  }
  const total = breakdown.output.amountUsd + (breakdown.inputText?.amountUsd ?? 0) + (breakdown.inputImages?.amountUsd ?? 0);
  return { amountUsd: round(total), basis: "per_token", estimated: true, breakdown };
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
      return estimateTokenCost(price, req, cap);
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
    own(price.byResolution, req.resolution) ??
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
  // The reported input includes the image tokens; they are billed at the input-image rate where there is one.
  const imageInput = Math.min(input, usage.inputImageTokens ?? 0);
  const imageRate = price.inputImageUsdPerMillion ?? price.inputUsdPerMillion ?? 0;
  const breakdown: CostBreakdown = { output: part((output * price.outputUsdPerMillion) / 1e6, false, output) };
  if (usage.inputTokens !== undefined) breakdown.inputText = part(((input - imageInput) * (price.inputUsdPerMillion ?? 0)) / 1e6, false, input - imageInput);
  if (imageInput > 0) breakdown.inputImages = part((imageInput * imageRate) / 1e6, false, imageInput);
  const amount = breakdown.output.amountUsd + (breakdown.inputText?.amountUsd ?? 0) + (breakdown.inputImages?.amountUsd ?? 0);
  return { amountUsd: round(amount), basis: "per_token", estimated: false, breakdown };
}

function sumParts(parts: (CostPart | undefined)[]): CostPart | undefined {
  const present = parts.filter((p): p is CostPart => p !== undefined);
  if (present.length === 0) return undefined;
  const tokens = present.every((p) => p.tokens !== undefined) ? present.reduce((s, p) => s + p.tokens!, 0) : undefined;
  return part(present.reduce((s, p) => s + p.amountUsd, 0), present.some((p) => p.estimated), tokens);
}

function sumBreakdowns(costs: Cost[]): CostBreakdown | undefined {
  if (!costs.every((c) => c.breakdown)) return undefined;
  const all = costs.map((c) => c.breakdown!);
  const breakdown: CostBreakdown = { output: sumParts(all.map((b) => b.output))! };
  const inputText = sumParts(all.map((b) => b.inputText));
  const inputImages = sumParts(all.map((b) => b.inputImages));
  if (inputText) breakdown.inputText = inputText;
  if (inputImages) breakdown.inputImages = inputImages;
  return breakdown;
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
  const breakdown = sumBreakdowns(present);
  return {
    amountUsd: round(present.reduce((s, c) => s + c.amountUsd, 0)),
    basis: present[0]!.basis,
    estimated: present.some((c) => c.estimated),
    ...(breakdown ? { breakdown } : {}),
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
