import { z } from "zod";

/** Tenant ids as everywhere else in the gateway (storage keys, the ledger): safe in paths and logs. */
export const TENANT_ID = /^[A-Za-z0-9._-]{1,128}$/;
const tenantId = z.string().regex(TENANT_ID, "must be 1-128 letters, digits, '.', '_' or '-'");
const usd = z.number().positive().max(1_000_000_000);
const rpm = z.number().positive().max(1_000_000);
const name = z.string().min(1).max(128);

/** Spend caps in USD per UTC day and month (`dailyUsd` / `monthlyUsd` in the config file). */
export const BudgetBodySchema = z.object({ daily_usd: usd.optional(), monthly_usd: usd.optional() }).strict().meta({ id: "AdminBudget" });
/** In a PATCH, `null` removes a cap. */
const BudgetPatchSchema = z.object({ daily_usd: usd.nullable().optional(), monthly_usd: usd.nullable().optional() }).strict();

export const TenantCreateSchema = z
  .object({ id: tenantId, name: name.optional(), budget: BudgetBodySchema.optional(), requests_per_minute: rpm.optional() })
  .strict()
  .meta({ id: "AdminTenantCreate" });

export const TenantPatchSchema = z
  .object({ name: name.nullable().optional(), budget: BudgetPatchSchema.optional(), requests_per_minute: rpm.nullable().optional() })
  .strict()
  .meta({ id: "AdminTenantPatch" });

export const KeyCreateSchema = z
  .object({
    tenant: tenantId,
    name: name.optional(),
    /** A backend key: may call POST /image/generate for any customer_id. */
    service: z.boolean().optional(),
    budget: BudgetBodySchema.optional(),
    requests_per_minute: rpm.optional(),
  })
  .strict()
  .meta({ id: "AdminKeyCreate" });

export const KeyPatchSchema = z
  .object({ name: name.nullable().optional(), budget: BudgetPatchSchema.optional(), requests_per_minute: rpm.nullable().optional() })
  .strict()
  .meta({ id: "AdminKeyPatch" });

/** Rotation: the old key keeps working for `grace_seconds` (at most 7 days; default 0, revoked at once). */
export const KeyRotateSchema = z
  .object({ grace_seconds: z.number().int().min(0).max(7 * 24 * 3600).optional() })
  .strict()
  .meta({ id: "AdminKeyRotate" });

/** Revoke takes no fields. */
export const EmptyBodySchema = z.object({}).strict();

const budgetView = z.object({ daily_usd: z.number().nullable(), monthly_usd: z.number().nullable() });

export const TenantSchema = z
  .object({
    object: z.literal("tenant"),
    id: z.string(),
    name: z.string().nullable(),
    budget: budgetView,
    requests_per_minute: z.number().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "AdminTenant" });

export const KeySchema = z
  .object({
    object: z.literal("api_key"),
    id: z.string().describe("The key's id: the first 12 hex digits of its SHA-256, as the usage ledger names keys."),
    prefix: z.string().describe("The key's first 10 characters, a label to recognise it by (not the secret)."),
    tenant: z.string(),
    name: z.string().nullable(),
    service: z.boolean(),
    status: z.enum(["active", "expiring", "revoked"]).describe("expiring: rotated, still working until revoked_at."),
    budget: budgetView,
    requests_per_minute: z.number().nullable(),
    created_at: z.string(),
    revoked_at: z.string().nullable(),
    last_used_at: z.string().nullable().describe("Written at most once a minute per key."),
    rotated_from: z.string().nullable(),
  })
  .meta({ id: "AdminKey" });

export const CreatedKeySchema = KeySchema.extend({
  key: z.string().describe("The plain key. Shown in this response only: it is stored as a SHA-256 hash."),
}).meta({ id: "AdminCreatedKey" });

export const RotatedKeySchema = CreatedKeySchema.extend({ replaced: KeySchema }).meta({ id: "AdminRotatedKey" });

export const TenantListSchema = z.object({ object: z.literal("list"), data: z.array(TenantSchema), has_more: z.boolean(), last_id: z.string().nullable() }).meta({ id: "AdminTenantList" });
export const KeyListSchema = z.object({ object: z.literal("list"), data: z.array(KeySchema), has_more: z.boolean(), last_id: z.string().nullable() }).meta({ id: "AdminKeyList" });

/** The fields an object schema takes at `path` (for "unknown field" messages), unwrapping optional and nullable. */
function fieldsAt(schema: z.ZodType, path: string[]): string[] {
  let node: unknown = schema;
  for (const step of [...path, ""]) {
    while (node instanceof z.ZodOptional || node instanceof z.ZodNullable) node = node.unwrap();
    if (!(node instanceof z.ZodObject)) return [];
    if (step === "") return Object.keys(node.shape);
    node = Object.hasOwn(node.shape, step) ? (node.shape as Record<string, unknown>)[step] : undefined;
  }
  return [];
}

/** A zod failure → the field as the client wrote it (`budget.daily_usd`, an unknown field by its name) and why. */
export function zodField(schema: z.ZodType, error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0]!;
  const path = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    const field = [...path, issue.keys[0] ?? ""].filter(Boolean).join(".");
    return { field, message: `unknown field; allowed: ${fieldsAt(schema, path).join(", ")}` };
  }
  const field = path.join(".") || "body";
  return { field, message: issue.message };
}
