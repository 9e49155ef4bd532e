import type { z } from "zod";
import { ValidationError } from "./errors.js";

/**
 * Parse a config's `providerConfig` with a provider's schema. Problems become one ValidationError whose
 * issues name `providerConfig.<field>` (an unknown key is named itself, not its parent).
 */
export function parseProviderConfig<S extends z.ZodType>(schema: S, value: unknown, provider: string): z.output<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => {
    const path = issue.code === "unrecognized_keys" ? [...issue.path.map(String), issue.keys.join(", ")] : issue.path.map(String);
    return { field: ["providerConfig", ...path].join("."), message: issue.message };
  });
  throw new ValidationError(`Invalid providerConfig for ${provider}: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`, { issues, provider });
}
