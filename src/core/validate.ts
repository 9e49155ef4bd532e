import type { z } from "zod";
import type { ModelCapability } from "./capabilities.js";
import { closest, editDistance } from "./did-you-mean.js";
import { ValidationError, type ValidationIssue } from "./errors.js";
import { ImageRequestSchema, VideoRequestSchema } from "./schemas.js";
import {
  NAMED_SIZES,
  formatSize,
  isNamedSize,
  nearestRatio,
  nearestSize,
  parseRatio,
  parseSize,
  ratioOf,
  roundTo,
  sameRatio,
  sizeForRatio,
} from "./sizes.js";
import type { MediaKind, NormalizedImageRequest, NormalizedVideoRequest } from "./types.js";

export type ValidationMode = "strict" | "coerce";

/** Turn zod issues into one ValidationError that names each field and, for enums, the allowed values. */
export function zodToValidationError(error: z.ZodError, what: string): ValidationError {
  const issues: ValidationIssue[] = error.issues.map((issue) => {
    const field = issue.path.map(String).join(".") || what;
    const allowed = "values" in issue && Array.isArray(issue.values) ? (issue.values as (string | number)[]) : undefined;
    const message = allowed ? `must be one of: ${allowed.join(", ")}` : issue.message;
    return { field, message, allowed };
  });
  const text = issues.map((i) => `${i.field}: ${i.message}`).join("; ");
  return new ValidationError(`Invalid ${what}: ${text}`, { issues });
}

/** A top-level field the schema does not know, spelled like one it does (`sizee` → `size`). */
export interface FieldTypo {
  field: string;
  suggestion: string;
}

/**
 * Near-misses found while parsing, per parsed request (kept beside the request rather than in it, so the
 * request the adapters see is unchanged). prepare() turns them into an error (strict) or a warning (coerce).
 */
const TYPOS = new WeakMap<object, readonly FieldTypo[]>();

export function fieldTypos(request: object): readonly FieldTypo[] {
  return TYPOS.get(request) ?? [];
}

/**
 * The known field an unknown one is a typo of: within 1 edit for names up to 5 characters, 2 beyond, never for
 * names under 3 characters (so a provider parameter such as `cfg` is not taken for `n`). Case alone counts as a typo.
 */
export function fieldTypo(field: string, known: readonly string[]): string | undefined {
  if (field.length < 3) return undefined;
  const budget = field.length <= 5 ? 1 : 2;
  return closest(field, known.filter((k) => k.length >= 3 && Math.abs(k.length - field.length) <= budget), { limit: 1, maxDistance: budget }).find((k) => editDistance(k, field) <= budget);
}

function captureExtra<S extends z.ZodObject>(schema: S, input: unknown, what: string): z.output<S> {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new ValidationError(`Invalid ${what}: expected an object`, { issues: [{ field: what, message: "expected an object" }] });
  }
  const known = schema.shape as Record<string, unknown>;
  // Entries, not assignments: a field named `__proto__` stays an ordinary (extra) field, and one named
  // `constructor` is not mistaken for a schema field through Object.prototype.
  const picked: [string, unknown][] = [];
  const extraEntries: [string, unknown][] = [];
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined) continue;
    if (Object.hasOwn(known, k)) picked.push([k, v]);
    else extraEntries.push([k, v]);
  }
  const extra = Object.fromEntries(extraEntries);
  const parsed = schema.safeParse(Object.fromEntries(picked));
  if (!parsed.success) throw zodToValidationError(parsed.error, what);
  const out = parsed.data as z.output<S> & { extraParams?: Record<string, unknown> };
  if (Object.keys(extra).length > 0) out.extraParams = { ...extra, ...out.extraParams };
  const knownNames = Object.keys(known);
  const typos = extraEntries.flatMap(([field]) => {
    const suggestion = fieldTypo(field, knownNames);
    return suggestion ? [{ field, suggestion }] : [];
  });
  if (typos.length > 0) TYPOS.set(out, typos);
  return out;
}

/** Parse an image request; unknown top-level fields are captured into `extraParams`. */
export function parseImageRequest(input: unknown): NormalizedImageRequest {
  return captureExtra(ImageRequestSchema, input, "request");
}

export function parseVideoRequest(input: unknown): NormalizedVideoRequest {
  return captureExtra(VideoRequestSchema, input, "request");
}

type AnyRequest = NormalizedImageRequest | NormalizedVideoRequest;

/** Apply one model's declared capabilities to a parsed request. */
export function applyCapabilities<R extends AnyRequest>(
  input: R,
  cap: ModelCapability,
  mode: ValidationMode,
  kind: MediaKind,
): { request: R; warnings: string[] } {
  // Lifecycle (retired / deprecated) is settled before this, by core/lifecycle.ts checkLifecycle.
  const label = `${cap.provider}/${cap.model}`;
  const req = { ...input } as Record<string, unknown>;
  const warnings: string[] = [];
  const issues: ValidationIssue[] = [];
  const list = (values: readonly (string | number)[]) => values.join(", ");

  const unsupported = (field: string) => {
    if (req[field] === undefined) return;
    if (mode === "strict") issues.push({ field, message: `${field} is not supported by ${label}` });
    else warnings.push(`${field} is not supported by ${label}; it was not sent`);
    delete req[field];
  };
  const notAllowed = (field: string, value: unknown, allowed: readonly (string | number)[], replacement: unknown) => {
    if (mode === "strict" || replacement === undefined) {
      issues.push({ field, message: `${field} ${JSON.stringify(value)} is not supported by ${label}; allowed: ${list(allowed)}`, allowed });
      return;
    }
    warnings.push(`${field} ${JSON.stringify(value)} is not supported by ${label}; using ${JSON.stringify(replacement)} (allowed: ${list(allowed)})`);
    req[field] = replacement;
  };
  const enumField = (field: string, allowed: readonly string[] | undefined, fallback: () => string | undefined) => {
    const value = req[field];
    if (value === undefined) return;
    if (!allowed || allowed.length === 0) return unsupported(field);
    if (!allowed.includes(value as string)) notAllowed(field, value, allowed, fallback());
  };
  const flag = (field: string, supported: boolean | undefined) => {
    if (!supported) unsupported(field);
  };

  if (kind === "image") sizing(req, cap, mode, label, warnings, issues, notAllowed, unsupported);
  else enumField("aspectRatio", cap.aspectRatios, () => nearestRatio(req.aspectRatio as string, cap.aspectRatios ?? []));

  enumField("quality", cap.qualities, () => cap.defaultQuality ?? cap.qualities?.[0]);
  enumField("style", cap.styles, () => cap.styles?.[0]);
  enumField("outputFormat", cap.outputFormats, () => cap.outputFormats?.[0]);
  enumField("resolution", cap.resolutions, () => nearestTier(req.resolution as string, cap.resolutions ?? []));
  flag("seed", cap.seed);
  flag("responseModalities", cap.responseModalities);
  flag("negativePrompt", cap.negativePrompt);
  flag("enhancePrompt", cap.enhancePrompt);

  const countField = kind === "image" ? "n" : "numberOfVideos";
  const count = req[countField] as number | undefined;
  const maxN = cap.maxN ?? 1;
  if (count !== undefined && count > maxN) {
    notAllowed(countField, count, [`1..${maxN}`], maxN);
  }

  const images = (req.imageList as NormalizedImageRequest["imageList"]) ?? [];
  const maxImages = cap.inputs?.maxImages ?? 0;
  if (images.length > 0) {
    if (maxImages === 0) {
      // Sending an edit to a model that ignores inputs returns an unrelated image; refuse in both modes.
      issues.push({ field: "imageList", message: `${label} does not take input images` });
    } else {
      const types = cap.inputs?.imageTypes;
      images.forEach((item, i) => {
        if (types && !types.includes(item.type)) {
          issues.push({ field: `imageList.${i}.type`, message: `type ${JSON.stringify(item.type)} is not supported by ${label}; allowed: ${list(types)}`, allowed: types });
        }
      });
      if (images.length > maxImages) {
        if (mode === "strict") issues.push({ field: "imageList", message: `${label} takes at most ${maxImages} input image(s), got ${images.length}` });
        else {
          warnings.push(`${label} takes at most ${maxImages} input image(s); only the first ${maxImages} were sent`);
          req.imageList = images.slice(0, maxImages);
        }
      }
    }
  } else if (cap.inputs?.requiresImage) {
    issues.push({ field: "imageList", message: `${label} needs at least one input image` });
  }
  if (req.maskImage !== undefined && !cap.inputs?.mask) {
    issues.push({ field: "maskImage", message: `${label} does not take a mask` });
  }

  if (kind === "video") {
    flag("generateAudio", cap.generateAudio);
    if (req.video !== undefined && !cap.inputs?.video) issues.push({ field: "video", message: `${label} does not take an input video` });
    const d = req.durationSeconds as number | undefined;
    if (d !== undefined) {
      if (cap.durations && cap.durations.length > 0) {
        if (!cap.durations.includes(d)) notAllowed("durationSeconds", d, cap.durations, nearestNumber(d, cap.durations));
      } else if (cap.durationRange) {
        const { min, max } = cap.durationRange;
        if (d < min || d > max) notAllowed("durationSeconds", d, [`${min}..${max}`], Math.min(max, Math.max(min, d)));
      } else {
        unsupported("durationSeconds");
      }
    }
  }

  if (issues.length > 0) {
    const text = issues.map((i) => `${i.field}: ${i.message}`).join("; ");
    throw new ValidationError(`Invalid request for ${label}: ${text}`, { issues, provider: cap.provider, model: cap.model });
  }
  return { request: req as R, warnings };
}

function nearestNumber(value: number, allowed: readonly number[]): number | undefined {
  let best: number | undefined;
  for (const a of allowed) if (best === undefined || Math.abs(a - value) < Math.abs(best - value)) best = a;
  return best;
}

const TIER_ORDER = ["480p", "720p", "1K", "1080p", "2K", "4K", "4k"];
function nearestTier(value: string, allowed: readonly string[]): string | undefined {
  const rank = (t: string) => TIER_ORDER.indexOf(t);
  let best: string | undefined;
  for (const a of allowed) if (best === undefined || Math.abs(rank(a) - rank(value)) < Math.abs(rank(best) - rank(value))) best = a;
  return best;
}

/** Size and aspect ratio, which translate into each other depending on how the model sizes outputs. */
function sizing(
  req: Record<string, unknown>,
  cap: ModelCapability,
  mode: ValidationMode,
  label: string,
  warnings: string[],
  issues: ValidationIssue[],
  notAllowed: (field: string, value: unknown, allowed: readonly (string | number)[], replacement: unknown) => void,
  unsupported: (field: string) => void,
): void {
  const named = typeof req.size === "string" && isNamedSize(req.size) ? req.size : undefined;
  // A named size is its pixels from here on; messages still show the name the user gave.
  if (named) req.size = formatSize(NAMED_SIZES[named]);
  const size = req.size as string | undefined;
  const shown = named ? `${named} (${size})` : size;
  const ratio = req.aspectRatio as string | undefined;
  const sizes = cap.sizes?.filter((s) => s !== "auto") ?? [];

  if (size === "auto") {
    if (!cap.sizes?.includes("auto")) delete req.size;
  } else if (size !== undefined) {
    const dims = parseSize(size)!;
    if (cap.sizes) {
      if (!cap.sizes.includes(size)) notAllowed("size", shown, cap.sizes, nearestSize(dims, sizes));
    } else if (cap.aspectRatios) {
      const exact = cap.aspectRatios.find((r) => sameRatio(parseRatio(r) ?? 0, dims.width / dims.height));
      const chosen = exact ?? (mode === "coerce" ? nearestRatio(dims.width / dims.height, cap.aspectRatios) : undefined);
      if (!chosen) {
        issues.push({
          field: "size",
          message: `${label} sizes by aspect ratio and ${shown} (${ratioOf(dims)}) matches none; allowed aspect ratios: ${cap.aspectRatios.join(", ")}`,
          allowed: cap.aspectRatios,
        });
      } else {
        if (ratio === undefined) req.aspectRatio = chosen;
        warnings.push(`size ${shown} was sent as aspect ratio ${chosen}: ${label} sizes by aspect ratio, not pixels`);
        delete req.size;
      }
    } else if (cap.sizeConstraints) {
      const c = cap.sizeConstraints;
      let { width, height } = dims;
      const violations: string[] = [];
      if (c.minSide !== undefined && Math.min(width, height) < c.minSide) violations.push(`each side must be at least ${c.minSide}`);
      if (c.maxSide !== undefined && Math.max(width, height) > c.maxSide) violations.push(`each side must be at most ${c.maxSide}`);
      if (c.maxPixels !== undefined && width * height > c.maxPixels) violations.push(`at most ${c.maxPixels} pixels`);
      const long = Math.max(width, height);
      const short = Math.min(width, height);
      if (c.maxAspectRatio !== undefined && long > short * c.maxAspectRatio) {
        violations.push(`the aspect ratio must be between 1:${c.maxAspectRatio} and ${c.maxAspectRatio}:1`);
      }
      if (violations.length > 0) {
        if (mode === "strict") {
          issues.push({ field: "size", message: `${shown} is not supported by ${label}: ${violations.join(", ")}` });
          return;
        }
        const scale = Math.min(
          1,
          c.maxSide ? c.maxSide / Math.max(width, height) : 1,
          c.maxPixels ? Math.sqrt(c.maxPixels / (width * height)) : 1,
        );
        const up = c.minSide ? Math.max(1, c.minSide / Math.min(width, height)) : 1;
        width = Math.round(width * scale * up);
        height = Math.round(height * scale * up);
      }
      if (c.multipleOf) {
        width = roundTo(width, c.multipleOf);
        height = roundTo(height, c.multipleOf);
      }
      // Too elongated: shorten the long side to the widest ratio allowed (which only lowers pixels).
      if (c.maxAspectRatio !== undefined) {
        const step = c.multipleOf ?? 1;
        const longest = (short: number) => Math.floor((short * c.maxAspectRatio!) / step) * step;
        if (width > height * c.maxAspectRatio) width = longest(height);
        else if (height > width * c.maxAspectRatio) height = longest(width);
      }
      const next = formatSize({ width, height });
      if (next !== size) {
        warnings.push(`size ${shown} was adjusted to ${next} for ${label}${c.multipleOf ? ` (sides must be multiples of ${c.multipleOf})` : ""}`);
        req.size = next;
      }
    } else {
      if (named) req.size = named;
      unsupported("size");
    }
  }

  if (ratio !== undefined) {
    if (cap.aspectRatios) {
      if (!cap.aspectRatios.includes(ratio)) notAllowed("aspectRatio", ratio, cap.aspectRatios, nearestRatio(ratio, cap.aspectRatios));
    } else if (cap.sizes) {
      const exact = sizeForRatio(ratio, sizes);
      if (req.size === undefined) {
        const target = parseRatio(ratio)!;
        const chosen = exact ?? (mode === "coerce" ? nearestSize({ width: Math.round(1024 * Math.sqrt(target)), height: Math.round(1024 / Math.sqrt(target)) }, sizes) : undefined);
        if (!chosen) {
          const ratios = [...new Set(sizes.map((s) => ratioOf(parseSize(s)!)))];
          notAllowed("aspectRatio", ratio, ratios, undefined);
        } else {
          if (!exact) warnings.push(`aspectRatio ${ratio} is not supported by ${label}; using the nearest size ${chosen}`);
          req.size = chosen;
        }
      }
      delete req.aspectRatio;
    } else if (!cap.sizeConstraints) {
      unsupported("aspectRatio");
    } else if (cap.sizeConstraints.maxAspectRatio !== undefined) {
      const max = cap.sizeConstraints.maxAspectRatio;
      const r = parseRatio(ratio);
      if (r !== undefined && (r > max || r < 1 / max)) {
        const bounds = [`1:${max}`, `${max}:1`];
        notAllowed("aspectRatio", ratio, [`between ${bounds[0]} and ${bounds[1]}`], r > max ? bounds[1] : bounds[0]);
      }
    }
  }
}

/**
 * For a model the catalog does not know (so `applyCapabilities` does not run): a named size becomes
 * its pixels, which adapters understand (fal's turns exact preset pixels back into the preset name).
 */
export function resolveNamedSize<R extends AnyRequest>(request: R): R {
  const size = (request as { size?: unknown }).size;
  if (typeof size !== "string" || !isNamedSize(size)) return request;
  return { ...request, size: formatSize(NAMED_SIZES[size]) };
}
