import { z } from "zod";
import { ValidationError } from "../../core/errors.js";

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

/** Parse a providerConfig with a schema, reporting problems as ValidationErrors on `providerConfig.*`. */
export function parseProviderConfig<S extends z.ZodType>(schema: S, value: unknown, provider: string): z.infer<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ field: ["providerConfig", ...i.path.map(String)].join("."), message: i.message }));
  throw new ValidationError(`Invalid providerConfig for ${provider}: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`, {
    issues,
  });
}
