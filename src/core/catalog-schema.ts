import { z } from "zod";
import { MODEL_STATUSES } from "./capabilities.js";

const isoDay = z.iso.date();
/** A URL the facts came from, or `builtin:<path>` for this project's own offline providers; a note in parentheses may follow. */
const source = z.string().regex(/^(https:\/\/\S+|builtin:\S+)( \(.+\))?$/, "a https:// URL (or builtin:<path>), optionally followed by a note in parentheses");
const positiveInt = z.number().int().positive();

const PriceSchema = z.discriminatedUnion("unit", [
  z.looseObject({ unit: z.literal("image"), usd: z.number().nonnegative() }),
  z.looseObject({ unit: z.literal("token"), outputUsdPerMillion: z.number().nonnegative(), tokensPerImage: z.union([positiveInt, z.record(z.string(), positiveInt)]) }),
  z.looseObject({ unit: z.literal("second"), usd: z.number().nonnegative() }),
  z.looseObject({ unit: z.literal("megapixel"), usd: z.number().nonnegative() }),
]);

/**
 * One built-in catalog entry (a provider's models.ts / video-models.ts). Lifecycle facts are required;
 * capability fields are checked for shape. Parsed for every entry by test/core/catalog-schema.test.ts
 * and by `tarash models --check`.
 */
export const CatalogEntrySchema = z
  .looseObject({
    provider: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    model: z.string().min(1),
    kind: z.enum(["image", "video"]),
    displayName: z.string().min(1).optional(),
    aliases: z.array(z.string().min(1)).optional(),
    status: z.enum(MODEL_STATUSES as [string, ...string[]]),
    deprecatedOn: isoDay.optional(),
    shutdownOn: isoDay.optional(),
    replacement: z.string().min(1).optional(),
    verifiedOn: isoDay,
    source,
    sizes: z.array(z.string().regex(/^(\d+x\d+|auto)$/)).optional(),
    aspectRatios: z.array(z.string().regex(/^\d+(\.\d+)?:\d+(\.\d+)?$/)).optional(),
    durations: z.array(z.number().positive()).optional(),
    durationRange: z.object({ min: z.number().positive(), max: z.number().positive() }).optional(),
    maxN: positiveInt.optional(),
    maxNPerCall: positiveInt.optional(),
    price: PriceSchema.optional(),
    variations: z.boolean().optional(),
    typicalDuration: z.strictObject({ seconds: z.number().positive(), source, verifiedOn: isoDay }).optional(),
  })
  .refine((m) => !(m.deprecatedOn && m.shutdownOn) || m.deprecatedOn <= m.shutdownOn, { message: "deprecatedOn must not come after shutdownOn", path: ["deprecatedOn"] })
  .refine((m) => m.replacement !== m.model, { message: "a model cannot replace itself", path: ["replacement"] });
