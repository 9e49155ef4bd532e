import { z } from "zod";
import { ValidationError } from "../../core/errors.js";

/** `providerConfig` for xai. */
export const XaiProviderConfigSchema = z
  .object({
    /** `url` (default: short-lived imgen.x.ai links) or `b64_json` (bytes in the response). */
    responseFormat: z.enum(["url", "b64_json"]).optional(),
    /** End-user id forwarded as `user`. */
    user: z.string().min(1).optional(),
  })
  .passthrough();

export type XaiProviderConfig = z.infer<typeof XaiProviderConfigSchema>;

export function parseXaiConfig(raw: Readonly<Record<string, unknown>>): XaiProviderConfig {
  const parsed = XaiProviderConfigSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ field: `providerConfig.${i.path.join(".")}`, message: i.message }));
  throw new ValidationError(`Invalid providerConfig for xai: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`, {
    issues,
    provider: "xai",
  });
}
