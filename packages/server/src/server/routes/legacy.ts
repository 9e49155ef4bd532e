import type { Hono } from "hono";
import type { ImageGenerationRequest } from "../../../../../src/core/types.js";
import { ApiError } from "../errors.js";
import { LegacyImageRequestSchema } from "../schemas.js";
import type { AppEnv, AppState } from "../state.js";
import { jsonBody, openAIImageField, withClientFields } from "./shared.js";

/** Library request fields a caller of this endpoint wrote under `settings.image` (by another name). */
const SETTINGS_FIELDS = new Set(["model", "quality", "style", "n", "seed", "negativePrompt", "aspectRatio", "outputFormat"]);

/** The body path of a library request field, e.g. `aspectRatio` → `settings.image.aspect_ratio`. */
function legacyField(field: string, settings: { width?: number | undefined }): string | undefined {
  if (field === "size") return settings.width !== undefined ? "settings.image.width" : "settings.image.height";
  if (SETTINGS_FIELDS.has(field) || field.startsWith("extraParams.")) return `settings.image.${openAIImageField(field) ?? field}`;
  return undefined;
}

/** Settings that map onto library request fields; the rest go to the provider verbatim. */
const MAPPED = new Set(["model", "width", "height", "quality", "style", "n", "seed", "negative_prompt", "aspect_ratio", "output_format"]);

/**
 * The storage-backend contract: `POST /image/generate`. The caller is a backend acting for a customer;
 * outputs land under `customers/{customer_id}/...` when `save_to_db` is true.
 */
export function legacyRoutes(app: Hono<AppEnv>, state: AppState): void {
  app.post("/image/generate", async (c) => {
    const body = await jsonBody(c, LegacyImageRequestSchema, state.config.limits);
    const principal = c.get("principal");
    const customer = String(body.customer_id);
    if (!principal.service && principal.tenant !== customer) {
      throw new ApiError(403, "this credential may not act for that customer_id", { param: "customer_id", code: "forbidden" });
    }
    const s = body.settings.image;
    const extra = Object.fromEntries(Object.entries(s).filter(([k, v]) => !MAPPED.has(k) && v !== undefined));
    const request: ImageGenerationRequest = {
      prompt: body.prompt,
      ...(s.width !== undefined || s.height !== undefined ? { size: `${s.width ?? s.height}x${s.height ?? s.width}` } : {}),
      ...(s.quality !== undefined ? { quality: s.quality } : {}),
      ...(s.style !== undefined ? { style: s.style } : {}),
      ...(s.n !== undefined ? { n: s.n } : {}),
      ...(s.seed !== undefined ? { seed: s.seed } : {}),
      ...(s.negative_prompt !== undefined ? { negativePrompt: s.negative_prompt } : {}),
      ...(s.aspect_ratio !== undefined ? { aspectRatio: s.aspect_ratio } : {}),
      ...(s.output_format !== undefined ? { outputFormat: s.output_format } : {}),
      ...(Object.keys(extra).length ? { extraParams: extra } : {}),
    };
    const config = await withClientFields((field) => legacyField(field, s), () => state.router.resolve(s.model, "image"));
    const { response, outputs } = await withClientFields(
      (field) => legacyField(field, s),
      () =>
        state.generator.image(
          {
            tenant: customer,
            inline: !body.save_to_db,
            keyId: principal.keyId,
            route: state.router.routeName(s.model, "image"),
            // The asset row records the settings as this caller wrote them, and is what save_to_db asks for.
            assetSettings: s,
            requireAssetRows: body.save_to_db,
          },
          config,
          request,
          { signal: c.req.raw.signal },
        ),
    );
    // The outputs are stored by now: a failure building the answer must not leave them behind.
    try {
      const image = response.images[0]!;
      c.header("x-tarash-generation-id", response.requestId);
      if (response.isMock) c.header("x-tarash-mock", "true");
      return c.json({
        success: true,
        code: 200,
        data: {
          image_url: image.url,
          provider: response.provider,
          model: response.model,
          settings: {
            ...s,
            model: response.model,
            width: image.width ?? s.width,
            height: image.height ?? s.height,
            ...(response.cost ? { cost_usd: response.cost.amountUsd } : {}),
            ...(response.warnings.length ? { warnings: response.warnings } : {}),
          },
        },
      });
    } catch (error) {
      await state.generator.discard(outputs);
      throw error;
    }
  });
}
