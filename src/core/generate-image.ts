import { costFromUsage, estimateImageCost, mockedCost, sumCosts, sumUsage } from "./cost.js";
import { GenerationFailedError, ValidationError } from "./errors.js";
import { type GatewayCore, storeOutput } from "./gateway-core.js";
import { readImageDimensions, sniffMediaType } from "./media/sniff.js";
import { decodeBase64, toDataUrl } from "./media/tools.js";
import { runChain } from "./orchestrator.js";
import { redact } from "./redact.js";
import { AdapterImageResultSchema } from "./schemas.js";
import type {
  Cost,
  GenerateOptions,
  GeneratedImage,
  ImageGenerationConfig,
  ImageGenerationRequest,
  ImageGenerationResponse,
} from "./types.js";
import { parseImageRequest } from "./validate.js";

/** Split `n` into per-call counts no larger than `perCall`: 7 by 3 → [3, 3, 1]. */
export function splitCount(n: number, perCall: number): number[] {
  const out: number[] = [];
  for (let left = n; left > 0; left -= perCall) out.push(Math.min(perCall, left));
  return out;
}

const EXT_TYPES: Record<string, string> = { png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", webp: "image/webp", gif: "image/gif" };

/**
 * How much of a base64 image is decoded to sniff its type and read its size: 48 KiB of bytes, which
 * holds the header of any PNG, WebP or GIF and of nearly every JPEG. A multiple of 4, so it decodes whole.
 */
const HEAD_BASE64_CHARS = 64 * 1024;

function mediaTypeFromUrl(url: string): string | undefined {
  if (url.startsWith("data:")) return /^data:([^;,]+)/.exec(url)?.[1];
  const ext = /\.([a-z0-9]+)(?:$|[?#])/i.exec(url)?.[1]?.toLowerCase();
  return ext && Object.hasOwn(EXT_TYPES, ext) ? EXT_TYPES[ext] : undefined;
}

export async function generateImageWith(
  core: GatewayCore,
  config: ImageGenerationConfig,
  request: ImageGenerationRequest,
  options: GenerateOptions = {},
): Promise<ImageGenerationResponse> {
  const parsed = parseImageRequest(request);
  return runChain(core, {
    kind: "image",
    config,
    request: parsed,
    options,
    async attempt({ ctx, adapter, call }, metadata, requestId) {
      const generate = adapter.generateImage;
      if (!generate) {
        throw new ValidationError(`${call.provider} does not generate images`, { issues: [{ field: "provider", message: "no image support" }] });
      }
      const n = call.request.n ?? 1;
      const perCall = call.capability?.maxNPerCall;
      const counts = perCall && n > perCall ? splitCount(n, perCall) : [n];
      // Calls beyond a model's per-call limit run in parallel and are merged; their costs are summed.
      const raw = await Promise.all(
        counts.map((k) => generate.call(adapter, ctx, counts.length > 1 ? { ...call.request, n: k } : call.request)),
      );
      const results = raw.map((r) => {
        const checked = AdapterImageResultSchema.safeParse(r);
        if (!checked.success) {
          throw new GenerationFailedError(`${call.provider} returned an unusable response: ${checked.error.issues[0]?.message ?? "invalid"}`, {
            rawResponse: (r as { rawResponse?: unknown } | undefined)?.rawResponse,
          });
        }
        return checked.data;
      });
      const images: GeneratedImage[] = [];
      for (const result of results) {
        for (const img of result.images) {
          const base64 = img.data ? undefined : img.base64;
          if (img.data || base64 !== undefined) {
            // Base64 from the provider is decoded at most once (to store the bytes) and never encoded
            // again: sniffing and sizing read its head only, an inline result reuses the text as is.
            let data = img.data ?? (base64!.length <= HEAD_BASE64_CHARS ? decodeBase64(base64!) : undefined);
            const head = data ?? decodeBase64(base64!.slice(0, HEAD_BASE64_CHARS));
            const mediaType = sniffMediaType(head) ?? img.mediaType ?? "application/octet-stream";
            let dims = readImageDimensions(head);
            // A JPEG whose size marker lies past the head (a large EXIF block): read the whole image.
            if (!dims && !data && mediaType === "image/jpeg") dims = readImageDimensions((data = decodeBase64(base64!)));
            const storage = core.options.storage;
            const url = storage
              ? await storeOutput(storage, { data: data ?? decodeBase64(base64!), base64, mediaType, kind: "image", requestId, index: images.length })
              : base64 !== undefined
                ? `data:${mediaType};base64,${base64}`
                : toDataUrl({ data: data!, mediaType });
            images.push({ url, mediaType, width: dims?.width ?? img.width, height: dims?.height ?? img.height, revisedPrompt: img.revisedPrompt });
          } else {
            images.push({
              url: img.url!,
              mediaType: img.mediaType ?? mediaTypeFromUrl(img.url!) ?? "image/png",
              width: img.width,
              height: img.height,
              revisedPrompt: img.revisedPrompt,
            });
          }
        }
      }
      const costs: (Cost | undefined)[] = results.map((r, i) =>
        r.costUsd !== undefined
          ? { amountUsd: r.costUsd, basis: "provider", estimated: false }
          : (costFromUsage(call.capability, r.usage) ?? estimateImageCost(call.capability, { ...call.request, n: counts[i] })),
      );
      const warnings = [...call.warnings, ...results.flatMap((r) => r.warnings ?? [])];
      await ctx.progress({ status: "completed", progressPercent: 100 });
      const first = results[0]!;
      const revisedPrompt = first.revisedPrompt ?? images.find((i) => i.revisedPrompt)?.revisedPrompt;
      return {
        requestId,
        providerRequestId: results.length === 1 ? first.providerRequestId : results.map((r) => r.providerRequestId).filter(Boolean).join(","),
        status: "completed",
        provider: call.provider,
        model: call.model,
        images,
        text: results.map((r) => r.text).filter(Boolean).join("\n") || undefined,
        revisedPrompt,
        warnings: [...new Set(warnings)],
        usage: sumUsage(results.map((r) => r.usage)),
        cost: call.mocked ? mockedCost(sumCosts(costs)) : sumCosts(costs),
        isMock: call.mocked,
        rawResponse: redact(results.length === 1 ? first.rawResponse : results.map((r) => r.rawResponse)),
        executionMetadata: metadata(),
      };
    },
  });
}
