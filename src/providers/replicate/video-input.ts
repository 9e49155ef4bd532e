import { ValidationError } from "../../core/errors.js";
import type { AdapterContext } from "../../core/provider.js";
import type { NormalizedVideoRequest } from "../../core/types.js";
import type { BuiltInput } from "./input.js";
import type { ReplicateVideoHints } from "./video-models.js";

type Setter = (wire: string, value: unknown, field: string) => void;

/** Request fields that copy straight to one model input when the model has it. */
const DIRECT: readonly (readonly [keyof NormalizedVideoRequest, keyof ReplicateVideoHints])[] = [
  ["aspectRatio", "aspectRatio"],
  ["seed", "seed"],
  ["negativePrompt", "negativePrompt"],
  ["generateAudio", "generateAudio"],
  ["enhancePrompt", "enhancePrompt"],
];

/**
 * Translate a gateway video request into a Replicate video model's `input`, using the names the
 * catalog declares for the model. A parameter the model has no input for is a warning, never
 * silently dropped; `extraParams` go in last, verbatim.
 */
export async function buildVideoInput(ctx: AdapterContext, request: NormalizedVideoRequest, hints: ReplicateVideoHints): Promise<BuiltInput> {
  const input: Record<string, unknown> = { prompt: request.prompt };
  const fieldNames: Record<string, string> = { prompt: "prompt" };
  const set: Setter = (wire, value, field) => {
    input[wire] = value;
    fieldNames[wire] = field;
  };
  const refuse = (field: string, message: string): never => {
    throw new ValidationError(`replicate ${ctx.model}: ${message}`, { issues: [{ field, message }], provider: ctx.provider, model: ctx.model });
  };
  // Catalog models never get here with an unsupported field (the core refused or dropped it), so
  // this is for models the catalog does not know, whose inputs are a guess: warn, as the core does.
  const notSent = (field: string, why = "it was not sent (pass the model's own input name in extraParams)") =>
    ctx.warn(`${field} is not mapped for replicate ${ctx.model}; ${why}`);

  for (const [field, hint] of DIRECT) {
    const value = request[field];
    if (value === undefined) continue;
    const wire = hints[hint] as string | undefined;
    if (wire) set(wire, value, field);
    else notSent(field);
  }

  let wireResolution = hints.defaultResolution;
  if (request.resolution !== undefined) {
    if (hints.resolution) {
      wireResolution = hints.resolutionValues?.[request.resolution] ?? request.resolution;
      if (wireResolution !== request.resolution) ctx.warn(`resolution ${request.resolution} was sent as ${hints.resolution} ${JSON.stringify(wireResolution)}, the value replicate ${ctx.model} uses`);
      set(hints.resolution, wireResolution, "resolution");
    } else notSent("resolution");
  }

  const seconds = request.durationSeconds;
  if (seconds !== undefined) {
    if (hints.duration) {
      set(hints.duration, seconds, "durationSeconds");
      checkDurationAtResolution(ctx, hints, seconds, wireResolution, request.resolution !== undefined, set, refuse);
    } else if (!(ctx.capability?.durations?.length === 1 && ctx.capability.durations[0] === seconds)) {
      // A fixed-length model (its one duration declared) needs nothing sent; anything else does.
      notSent("durationSeconds");
    }
  }

  if ((request.numberOfVideos ?? 1) > 1) {
    // Only unknown models get here (the catalog declares maxN 1): one prediction is one video.
    notSent("numberOfVideos", "one prediction makes one video, so one was requested");
  }
  if (request.video !== undefined) refuse("video", "video-to-video input is not mapped for this model; pass it in extraParams under the model's input name");

  await addImages(ctx, request, hints, set, refuse);

  for (const [key, value] of Object.entries(request.extraParams ?? {})) set(key, value, `extraParams.${key}`);
  return { input, fieldNames };
}

/**
 * Some models allow a duration only at some resolutions (Hailuo makes 10 s at 768p only). When the
 * caller did not pick a resolution, one that allows the duration is chosen; otherwise the request
 * is refused (strict) or shortened to the nearest allowed duration (coerce).
 */
function checkDurationAtResolution(
  ctx: AdapterContext,
  hints: ReplicateVideoHints,
  seconds: number,
  wireResolution: string | undefined,
  resolutionGiven: boolean,
  set: Setter,
  refuse: (field: string, message: string) => never,
): void {
  const limits = hints.durationsByResolution;
  const allowed = wireResolution !== undefined ? limits?.[wireResolution] : undefined;
  if (!allowed || allowed.includes(seconds)) return;
  if (!resolutionGiven && hints.resolution) {
    const values = Object.values(hints.resolutionValues ?? {});
    const other = values.find((r) => !limits?.[r] || limits[r]!.includes(seconds));
    if (other) {
      set(hints.resolution, other, "resolution");
      ctx.warn(`replicate ${ctx.model} makes ${seconds} s videos only at ${other}, so ${hints.resolution} ${JSON.stringify(other)} was sent instead of its default ${wireResolution}`);
      return;
    }
  }
  const message = `${seconds} s is not available at ${wireResolution} on this model; allowed: ${allowed.join(", ")}`;
  if (ctx.validation === "strict") refuse("durationSeconds", message);
  const nearest = allowed.reduce((a, b) => (Math.abs(b - seconds) < Math.abs(a - seconds) ? b : a));
  set(hints.duration!, nearest, "durationSeconds");
  ctx.warn(`durationSeconds ${seconds}: ${message}; using ${nearest}`);
}

async function addImages(
  ctx: AdapterContext,
  request: NormalizedVideoRequest,
  hints: ReplicateVideoHints,
  set: Setter,
  refuse: (field: string, message: string) => never,
): Promise<void> {
  // Grouped by wire field, so several reference images fill one list input.
  const byField = new Map<string, { list: boolean; urls: string[]; field: string }>();
  for (const [i, item] of (request.imageList ?? []).entries()) {
    const target = hints.images?.[item.type];
    // A model that ignored the frame would return an unrelated video; refuse instead.
    if (!target) refuse(`imageList.${i}.type`, `input images of type ${JSON.stringify(item.type)} are not mapped for this model; pass them in extraParams under the model's input name`);
    const entry = byField.get(target!.field) ?? { list: target!.list === true, urls: [], field: `imageList.${i}` };
    entry.urls.push(await ctx.media.toUrl(item.image, `imageList.${i}.image`));
    byField.set(target!.field, entry);
  }
  for (const [wire, entry] of byField) {
    if (!entry.list && entry.urls.length > 1) refuse("imageList", `${wire} takes one image, got ${entry.urls.length}`);
    set(wire, entry.list ? entry.urls : entry.urls[0], entry.list ? "imageList" : entry.field);
  }
}
