/** Size and aspect-ratio arithmetic: `WxH` ↔ ratio ↔ a provider's presets, and "nearest" for coercion. */

export interface Dimensions {
  width: number;
  height: number;
}

export function parseSize(size: string): Dimensions | undefined {
  const m = /^(\d+)x(\d+)$/.exec(size);
  if (!m) return undefined;
  return { width: Number(m[1]), height: Number(m[2]) };
}

export function formatSize(d: Dimensions): string {
  return `${d.width}x${d.height}`;
}

/** `"16:9"` → 16/9. */
export function parseRatio(ratio: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(ratio);
  if (!m) return undefined;
  const w = Number(m[1]);
  const h = Number(m[2]);
  return w > 0 && h > 0 ? w / h : undefined;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** 1920x1080 → "16:9". */
export function ratioOf(d: Dimensions): string {
  const g = gcd(d.width, d.height);
  return `${d.width / g}:${d.height / g}`;
}

/** Distance between two ratios on a log scale, so 2:1 and 1:2 are equally far from 1:1. */
function ratioDistance(a: number, b: number): number {
  return Math.abs(Math.log(a / b));
}

const SAME_RATIO = 0.01;

export function sameRatio(a: number, b: number): boolean {
  return ratioDistance(a, b) < SAME_RATIO;
}

/** The supported ratio nearest to `target` (a ratio string or a number). */
export function nearestRatio(target: string | number, supported: readonly string[]): string | undefined {
  const t = typeof target === "number" ? target : parseRatio(target);
  if (t === undefined) return undefined;
  let best: string | undefined;
  let bestD = Infinity;
  for (const r of supported) {
    const v = parseRatio(r);
    if (v === undefined) continue;
    const d = ratioDistance(v, t);
    if (d < bestD) {
      best = r;
      bestD = d;
    }
  }
  return best;
}

/**
 * The supported size nearest to `target`: shape first (ratio), then area. A user asking for 1000x700
 * cares more about landscape-ness than about exact pixel count.
 */
export function nearestSize(target: Dimensions, supported: readonly string[]): string | undefined {
  const t = target.width / target.height;
  const area = target.width * target.height;
  let best: string | undefined;
  let bestScore = Infinity;
  for (const s of supported) {
    const d = parseSize(s);
    if (!d) continue;
    const score = ratioDistance(d.width / d.height, t) * 10 + Math.abs(Math.log((d.width * d.height) / area));
    if (score < bestScore) {
      best = s;
      bestScore = score;
    }
  }
  return best;
}

/** A supported size whose shape is `ratio` (exact), else undefined. Prefers the one nearest 1 MP. */
export function sizeForRatio(ratio: string, supported: readonly string[]): string | undefined {
  const r = parseRatio(ratio);
  if (r === undefined) return undefined;
  const matches = supported.filter((s) => {
    const d = parseSize(s);
    return d !== undefined && sameRatio(d.width / d.height, r);
  });
  return nearestSize({ width: Math.round(Math.sqrt(r) * 1024), height: Math.round(1024 / Math.sqrt(r)) }, matches);
}

/** Dimensions of roughly `megapixels` with the given ratio, each side a multiple of `multiple`. */
export function dimensionsForRatio(ratio: string, megapixels = 1.05, multiple = 16): Dimensions | undefined {
  const r = parseRatio(ratio);
  if (r === undefined) return undefined;
  const px = megapixels * 1_000_000;
  const width = roundTo(Math.sqrt(px * r), multiple);
  const height = roundTo(Math.sqrt(px / r), multiple);
  return { width, height };
}

export function roundTo(value: number, multiple: number): number {
  return Math.max(multiple, Math.round(value / multiple) * multiple);
}

/** Nearest named preset (e.g. fal's `landscape_16_9`) for a size or ratio. */
export function nearestPreset(
  target: Dimensions | string,
  presets: Readonly<Record<string, Dimensions>>,
): { name: string; exact: boolean } | undefined {
  const t = typeof target === "string" ? parseRatio(target) : target.width / target.height;
  if (t === undefined) return undefined;
  let best: string | undefined;
  let bestD = Infinity;
  for (const [name, d] of Object.entries(presets)) {
    const dist = ratioDistance(d.width / d.height, t);
    if (dist < bestD) {
      best = name;
      bestD = dist;
    }
  }
  if (best === undefined) return undefined;
  const p = presets[best]!;
  const exact =
    typeof target === "string" ? bestD < SAME_RATIO : p.width === target.width && p.height === target.height;
  return { name: best, exact };
}

/**
 * Named sizes a request may give as `size`. The names and pixels are fal's `image_size` presets
 * (docs.fal.ai/documentation/model-apis/model-arguments, "image_size"; verified 2026-12-07). The gateway
 * takes them for every provider: a model that sizes by fal's presets receives the name, any other model
 * the pixels (or the aspect ratio of that shape), validated and coerced like any other size.
 */
export const NAMED_SIZES = {
  square_hd: { width: 1024, height: 1024 },
  square: { width: 512, height: 512 },
  portrait_4_3: { width: 768, height: 1024 },
  portrait_16_9: { width: 576, height: 1024 },
  landscape_4_3: { width: 1024, height: 768 },
  landscape_16_9: { width: 1024, height: 576 },
} as const satisfies Readonly<Record<string, Dimensions>>;

export type NamedSize = keyof typeof NAMED_SIZES;
export const NAMED_SIZE_NAMES = Object.keys(NAMED_SIZES) as NamedSize[];

export function isNamedSize(size: string): size is NamedSize {
  return Object.hasOwn(NAMED_SIZES, size);
}

/** The pixels of a `WxH` or named size; undefined for `auto` or anything else. */
export function sizeDimensions(size: string): Dimensions | undefined {
  return isNamedSize(size) ? { ...NAMED_SIZES[size] } : parseSize(size);
}

/** The preset name whose pixels are exactly `d`, if any (1024x576 → `landscape_16_9`). */
export function namedSizeOf(d: Dimensions): NamedSize | undefined {
  return NAMED_SIZE_NAMES.find((n) => NAMED_SIZES[n].width === d.width && NAMED_SIZES[n].height === d.height);
}
