import type { Hono } from "hono";
import type { z } from "zod";
import { ApiError, badRequest } from "../errors.js";
import type { AppContext, AppEnv, AppState } from "../state.js";
import { checkJsonDepth } from "../structure-limits.js";
import { ADMIN_USAGE_GROUPS, type AdminUsageGroup, usageReport } from "../usage/report.js";
import { usageWindow } from "../routes/usage.js";
import { EmptyBodySchema, KeyCreateSchema, KeyPatchSchema, KeyRotateSchema, TENANT_ID, TenantCreateSchema, TenantPatchSchema, zodField } from "./schemas.js";
import { ConflictError, type KeyRecord, NotFoundError, type SettingsPatch, type TenantRecord } from "./store.js";

const KEY_ID = /^[0-9a-f]{12}$/;
const MAX_LIST = 1000;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function tenantView(t: TenantRecord) {
  return {
    object: "tenant" as const,
    id: t.id,
    name: t.name,
    budget: { daily_usd: t.budget.dailyUsd ?? null, monthly_usd: t.budget.monthlyUsd ?? null },
    requests_per_minute: t.requestsPerMinute ?? null,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt.toISOString(),
  };
}

/** A key as the admin API shows it: never the key, never its hash. */
function keyView(k: KeyRecord, now = Date.now()) {
  const status = k.revokedAt === null ? "active" : k.revokedAt.getTime() > now ? "expiring" : "revoked";
  return {
    object: "api_key" as const,
    id: k.id,
    prefix: k.prefix,
    tenant: k.tenant,
    name: k.name,
    service: k.service,
    status,
    budget: { daily_usd: k.budget.dailyUsd ?? null, monthly_usd: k.budget.monthlyUsd ?? null },
    requests_per_minute: k.requestsPerMinute ?? null,
    created_at: k.createdAt.toISOString(),
    revoked_at: iso(k.revokedAt),
    last_used_at: iso(k.lastUsedAt),
    rotated_from: k.rotatedFrom,
  };
}

/** A JSON body checked against `schema`; an empty body is `{}` (revoke and rotate take none). */
async function body<S extends z.ZodType>(c: AppContext, state: AppState, schema: S, optional = false): Promise<z.output<S>> {
  const text = await c.req.text();
  let raw: unknown = {};
  if (text.trim() !== "" || !optional) {
    const type = c.req.header("content-type") ?? "";
    if (!/^application\/(.+\+)?json/i.test(type)) throw new ApiError(415, "expected Content-Type: application/json", { code: "unsupported_media_type" });
    try {
      raw = JSON.parse(text);
    } catch {
      throw badRequest("the body is not valid JSON", undefined, "invalid_json");
    }
  }
  const tooDeep = checkJsonDepth(raw, state.config.limits.maxJsonDepth);
  if (tooDeep) throw tooDeep;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const { field, message } = zodField(schema, parsed.error);
    throw badRequest(`${field}: ${message}`, field);
  }
  return parsed.data;
}

function patchOf(input: { name?: string | null | undefined; budget?: { daily_usd?: number | null | undefined; monthly_usd?: number | null | undefined } | undefined; requests_per_minute?: number | null | undefined }): SettingsPatch {
  return { name: input.name, dailyUsd: input.budget?.daily_usd, monthlyUsd: input.budget?.monthly_usd, requestsPerMinute: input.requests_per_minute };
}

function listParams(c: AppContext): { limit: number; after: string | undefined } {
  const rawLimit = c.req.query("limit");
  const limit = rawLimit === undefined ? 100 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST) throw badRequest(`limit must be an integer from 1 to ${MAX_LIST}`, "limit");
  const after = c.req.query("after");
  if (after !== undefined && !TENANT_ID.test(after)) throw badRequest("after must be an id from a previous page (letters, digits, '.', '_', '-')", "after");
  return { limit, after };
}

function keyIdParam(c: AppContext): string {
  const id = c.req.param("id") ?? "";
  // Not a key id at all (a plain key pasted by mistake, say): a 400 that does not echo it.
  if (!KEY_ID.test(id)) throw badRequest("the key id is 12 hex digits (as listed by GET /admin/keys), not the key itself", "id");
  return id;
}

function tenantParam(c: AppContext): string {
  const id = c.req.param("id") ?? "";
  if (!TENANT_ID.test(id)) throw badRequest("tenant ids are 1-128 letters, digits, '.', '_' or '-'", "id");
  return id;
}

/** The store's domain errors as HTTP. */
async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof NotFoundError) throw new ApiError(404, error.message, { code: "not_found" });
    if (error instanceof ConflictError) throw new ApiError(409, error.message, { code: "conflict" });
    throw error;
  }
}

/**
 * The admin API: tenants and API keys in the database, and usage across tenants. Every route needs one
 * of `auth.adminKeys` (401 without credentials or with unknown ones, 403 with a tenant's).
 */
export function adminRoutes(app: Hono<AppEnv>, state: AppState): void {
  app.use("/admin/*", async (c, next) => {
    const admin = await state.auth.authenticateAdmin(c.req.raw.headers);
    c.set("principal", { tenant: "(admin)", service: false, via: "api_key", keyId: undefined });
    await next();
    // An audit line per admin request: who (the admin key's configured name, never the key), what, how it ended.
    // Paths carry key ids and tenant ids only; bodies (which can hold a new key) are never logged.
    state.logger.info({ admin: admin.name, method: c.req.method, path: c.req.path, status: c.res.status }, "admin request");
  });

  app.post("/admin/tenants", async (c) => {
    const input = await body(c, state, TenantCreateSchema);
    const tenant = await mapped(() => state.keys.createTenant({ id: input.id, ...patchOf(input) }));
    return c.json(tenantView(tenant), 201);
  });

  app.get("/admin/tenants", async (c) => {
    const { limit, after } = listParams(c);
    const page = await state.keys.listTenants({ limit, after });
    return c.json({ object: "list", data: page.tenants.map(tenantView), has_more: page.hasMore, last_id: page.tenants.at(-1)?.id ?? null });
  });

  app.get("/admin/tenants/:id", async (c) => c.json(tenantView(await mapped(() => state.keys.getTenant(tenantParam(c))))));

  app.patch("/admin/tenants/:id", async (c) => {
    const id = tenantParam(c);
    const input = await body(c, state, TenantPatchSchema);
    return c.json(tenantView(await mapped(() => state.keys.updateTenant(id, patchOf(input)))));
  });

  app.post("/admin/keys", async (c) => {
    const input = await body(c, state, KeyCreateSchema);
    const { record, key } = await state.keys.createKey({ tenant: input.tenant, service: input.service, ...patchOf(input) });
    // The only time the key is ever sent: it is not stored and cannot be shown again.
    c.header("cache-control", "no-store");
    return c.json({ ...keyView(record), key }, 201);
  });

  app.get("/admin/keys", async (c) => {
    const { limit, after } = listParams(c);
    const tenant = c.req.query("tenant");
    if (tenant !== undefined && !TENANT_ID.test(tenant)) throw badRequest("tenant ids are 1-128 letters, digits, '.', '_' or '-'", "tenant");
    const revoked = c.req.query("include_revoked");
    if (revoked !== undefined && revoked !== "true" && revoked !== "false") throw badRequest("include_revoked must be true or false", "include_revoked");
    if (after !== undefined && !KEY_ID.test(after)) throw badRequest("after must be a key id from a previous page (12 hex digits)", "after");
    const page = await state.keys.listKeys({ tenant, includeRevoked: revoked === "true", limit, after });
    return c.json({ object: "list", data: page.keys.map((k) => keyView(k)), has_more: page.hasMore, last_id: page.keys.at(-1)?.id ?? null });
  });

  app.get("/admin/keys/:id", async (c) => c.json(keyView(await mapped(() => state.keys.getKey(keyIdParam(c))))));

  app.patch("/admin/keys/:id", async (c) => {
    const id = keyIdParam(c);
    const input = await body(c, state, KeyPatchSchema);
    return c.json(keyView(await mapped(() => state.keys.updateKey(id, patchOf(input)))));
  });

  app.post("/admin/keys/:id/revoke", async (c) => {
    const id = keyIdParam(c);
    await body(c, state, EmptyBodySchema, true);
    return c.json(keyView(await mapped(() => state.keys.revokeKey(id))));
  });

  app.post("/admin/keys/:id/rotate", async (c) => {
    const id = keyIdParam(c);
    const input = await body(c, state, KeyRotateSchema, true);
    const rotated = await mapped(() => state.keys.rotateKey(id, input.grace_seconds ?? 0));
    c.header("cache-control", "no-store");
    return c.json({ ...keyView(rotated.record), key: rotated.key, replaced: keyView(rotated.old) }, 201);
  });

  app.get("/admin/usage", async (c) => {
    const { from, to } = usageWindow(c.req.query("from"), c.req.query("to"));
    const rawGroup = c.req.query("group_by");
    if (rawGroup !== undefined && !(ADMIN_USAGE_GROUPS as readonly string[]).includes(rawGroup)) {
      throw badRequest(`group_by must be one of ${ADMIN_USAGE_GROUPS.join(", ")}, got ${JSON.stringify(rawGroup.slice(0, 64))}`, "group_by");
    }
    const tenant = c.req.query("tenant");
    if (tenant !== undefined && !TENANT_ID.test(tenant)) throw badRequest("tenant ids are 1-128 letters, digits, '.', '_' or '-'", "tenant");
    await state.usage?.flush();
    const groupBy = rawGroup as AdminUsageGroup | undefined;
    const report = await state.database.run((db) => usageReport(db, { tenant, from, to, groupBy }));
    return c.json({ object: "usage", tenant: tenant ?? null, from: from.toISOString(), to: to.toISOString(), group_by: groupBy ?? null, ...report });
  });
}
