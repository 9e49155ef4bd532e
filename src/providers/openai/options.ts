import { z } from "zod";

/** Which Images endpoint a request uses. Default: `edit` when `imageList` is given, else `generate`. */
export const IMAGE_OPERATIONS = ["generate", "edit", "variation"] as const;
export type ImageOperation = (typeof IMAGE_OPERATIONS)[number];

/** `providerConfig` of the `openai` provider. */
export const OpenAIProviderConfigSchema = z
  .object({
    /** Sent as `OpenAI-Organization`. */
    organization: z.string().min(1).optional(),
    /** Sent as `OpenAI-Project`. */
    project: z.string().min(1).optional(),
    operation: z.enum(IMAGE_OPERATIONS).optional(),
  })
  .loose();

export type OpenAIProviderConfig = z.infer<typeof OpenAIProviderConfigSchema>;

export { parseProviderConfig } from "../../core/provider-config.js";
