import type { Hono } from "hono";
import { decodeCursor, encodeCursor } from "../assets/cursor.js";
import type { AssetQuery, AssetStore } from "../assets/store.js";
import { assetView } from "../assets/view.js";
import { ApiError, badRequest, notFound } from "../errors.js";
import type { AppContext, AppEnv, AppState } from "../state.js";
import { isValidTenant } from "../storage/storage.js";
import { parseInstant } from "./usage.js";

export const ASSET_KINDS = ["image", "video"] as const;
export const MAX_ASSET_PAGE = 100;
export const DEFAULT_ASSET_PAGE = 20;
const MAX_MODEL_CHARS = 256;

const quoted = (value: string) => JSON.stringify(value.slice(0, 64));

/**
 * Whose assets a caller sees: its own tenant's; a service principal (a backend acting for customers, and
 * the anonymous caller when auth is off) sees every tenant's, or one tenant's with `?tenant=`.
 */
function scope(c: AppContext): string | null {
  const principal = c.get("principal");
  const asked = c.req.query("tenant");
  if (asked !== undefined && !isValidTenant(asked)) throw badRequest(`tenant must be a tenant id (letters, digits, '.', '_' and '-'), got ${quoted(asked)}`, "tenant");
  if (principal.service) return asked ?? null;
  if (asked !== undefined && asked !== principal.tenant) {
    throw new ApiError(403, "this credential may only list its own tenant's assets", { param: "tenant", code: "forbidden" });
  }
  return principal.tenant;
}

function listQuery(c: AppContext, tenant: string | null): AssetQuery {
  const kind = c.req.query("kind");
  if (kind !== undefined && !(ASSET_KINDS as readonly string[]).includes(kind)) throw badRequest(`kind must be one of ${ASSET_KINDS.join(", ")}, got ${quoted(kind)}`, "kind");
  const model = c.req.query("model");
  if (model !== undefined && (model.length === 0 || model.length > MAX_MODEL_CHARS)) throw badRequest(`model must be a model id of 1 to ${MAX_MODEL_CHARS} characters`, "model");
  const rawLimit = c.req.query("limit");
  const limit = rawLimit === undefined ? DEFAULT_ASSET_PAGE : Number(rawLimit);
  if (!/^\d{1,3}$/.test(rawLimit ?? "20") || !Number.isInteger(limit) || limit < 1 || limit > MAX_ASSET_PAGE) {
    throw badRequest(`limit must be an integer from 1 to ${MAX_ASSET_PAGE}, got ${quoted(rawLimit ?? "")}`, "limit");
  }
  const rawFrom = c.req.query("from");
  const rawTo = c.req.query("to");
  const from = rawFrom === undefined ? undefined : parseInstant(rawFrom, "from");
  const to = rawTo === undefined ? undefined : parseInstant(rawTo, "to");
  if (from && to && from.getTime() >= to.getTime()) throw badRequest("from must be before to", "from");
  const rawCursor = c.req.query("cursor");
  const after = rawCursor === undefined ? undefined : decodeCursor(rawCursor);
  if (rawCursor !== undefined && !after) throw badRequest("cursor is not a cursor this API handed out (pass next_cursor from the previous page as is)", "cursor");
  return { tenant, kind: kind as AssetQuery["kind"], model, from, to, limit, after };
}

function storeOf(state: AppState): AssetStore {
  // A process that records no assets (a worker without a shared database) has no library to show.
  if (!state.assets) throw new ApiError(404, "this gateway process keeps no asset library (it records no assets)", { code: "assets_unavailable" });
  return state.assets;
}

/** GET /v1/assets, GET/DELETE /v1/assets/{id}: the caller's stored outputs. */
export function assetRoutes(app: Hono<AppEnv>, state: AppState): void {
  app.get("/v1/assets", async (c) => {
    const store = storeOf(state);
    const query = listQuery(c, scope(c));
    const { rows, next } = await store.list(query);
    const data = await Promise.all(rows.map((row) => assetView(state.storage, row)));
    return c.json({ object: "list", data, next_cursor: next ? encodeCursor(next) : null });
  });

  app.get("/v1/assets/:id", async (c) => {
    const row = await storeOf(state).get(c.req.param("id"), scope(c));
    if (!row) throw notFound("asset");
    return c.json(await assetView(state.storage, row));
  });

  app.delete("/v1/assets/:id", async (c) => {
    const removed = await storeOf(state).remove(c.req.param("id"), scope(c));
    if (!removed) throw notFound("asset");
    return c.body(null, 204);
  });
}
