import { parseDataUrl } from "../../core/media/tools.js";
import type { AdapterContext, ProviderAdapter } from "../../core/provider.js";
import type { AdapterImageResult, NormalizedImageRequest } from "../../core/types.js";
import { buildImageInput } from "./input.js";
import { GENERIC_HINTS, catalogEntry, replicateHints } from "./models.js";
import { DEFAULT_WAIT_SECONDS, parseReplicateOptions } from "./options.js";
import { parseModelRef, runPrediction } from "./predictions.js";
import { checkReplicateInput, replicateHintsFromSpec, replicateInputSpec } from "./schema.js";
import { cancelVideo, getVideoStatus, submitVideo } from "./video.js";

type AdapterImage = AdapterImageResult["images"][number];

function toImage(file: string, field: string): AdapterImage {
  if (!file.startsWith("data:")) return { url: file };
  const { data, mediaType } = parseDataUrl(file, field);
  return { data, mediaType };
}

async function generateImage(ctx: AdapterContext, request: NormalizedImageRequest): Promise<AdapterImageResult> {
  parseModelRef(ctx.model);
  const options = parseReplicateOptions(ctx.providerConfig);
  // A pinned `owner/name:version` of a catalog model keeps that model's input names; any other model
  // is mapped by the input schema its version publishes, when Replicate has one.
  const known = ctx.capability ?? catalogEntry(ctx.model);
  const spec = known ? undefined : await replicateInputSpec(ctx, ctx.model);
  const hints = replicateHints(known) ?? (spec ? replicateHintsFromSpec(spec) : GENERIC_HINTS);
  const n = request.n ?? 1;
  // Models without a count input make one image per prediction; run that many side by side.
  const runs = hints.count ? 1 : n;
  const built = await buildImageInput(ctx, hints.count ? request : { ...request, n: undefined }, hints);
  const { fieldNames } = built;
  const input = spec && !options.deployment ? checkReplicateInput(ctx, spec, built.input, fieldNames) : built.input;
  const results = await Promise.all(
    Array.from({ length: runs }, () =>
      runPrediction(ctx, ctx.model, {
        input,
        fieldNames,
        inputSpec: null,
        waitSeconds: options.wait ?? DEFAULT_WAIT_SECONDS,
        deployment: options.deployment,
        webhook: options.webhook,
        webhookEventsFilter: options.webhookEventsFilter,
      }),
    ),
  );
  const images = results.flatMap((r) => r.files.map((file, i) => toImage(file, `output.${i}`)));
  return {
    images,
    providerRequestId: results.map((r) => r.prediction.id).join(","),
    usage: { images: images.length },
    rawResponse: results.length === 1 ? results[0]!.prediction : results.map((r) => r.prediction),
  };
}

export const adapter: ProviderAdapter = { generateImage, submitVideo, getVideoStatus, cancelVideo };
