import type { ProviderAdapter } from "../../core/provider.js";
import { generateGeminiImage } from "./gemini.js";
import { generateImagenImage } from "./imagen.js";
import { submitVeo, veoDownloadHeaders, veoStatus } from "./video.js";

/** Imagen ids (`imagen-…`, legacy `imagegeneration@…`) use `:predict`; everything else is generateContent. */
function family(model: string, hint: unknown): "gemini" | "imagen" {
  if (hint === "gemini" || hint === "imagen") return hint;
  return /^(?:models\/)?(?:imagen|imagegeneration)/i.test(model) ? "imagen" : "gemini";
}

export const adapter: ProviderAdapter = {
  generateImage(ctx, request) {
    return family(ctx.model, ctx.capability?.adapterHints?.family) === "imagen"
      ? generateImagenImage(ctx, request)
      : generateGeminiImage(ctx, request);
  },
  // Veo has no documented cancel, so there is no cancelVideo: an abort stops polling (see video.ts).
  submitVideo: submitVeo,
  getVideoStatus: veoStatus,
  downloadHeaders: veoDownloadHeaders,
};
