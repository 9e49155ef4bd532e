import type { Hono } from "hono";
import { badRequest } from "../errors.js";
import type { AppEnv, AppState } from "../state.js";
import { USAGE_GROUPS, type UsageGroup, usageReport } from "../usage/report.js";

const DAY_MS = 24 * 3600 * 1000;
/** The widest window one query may cover. */
const MAX_RANGE_DAYS = 366;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 date (UTC midnight; as `to`, the end of that day) or date-time with a zone. */
export function parseInstant(value: string, field: "from" | "to"): Date {
  const ok = (DATE_ONLY.test(value) || DATE_TIME.test(value)) && !Number.isNaN(Date.parse(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value));
  if (!ok) throw badRequest(`${field} must be an ISO 8601 date (2026-12-01) or date-time with a zone (2026-12-01T09:30:00Z), got ${JSON.stringify(value.slice(0, 64))}`, field);
  if (DATE_ONLY.test(value)) {
    const midnight = Date.parse(`${value}T00:00:00Z`);
    return new Date(field === "to" ? midnight + DAY_MS : midnight);
  }
  return new Date(value);
}

/** The `from`/`to` query parameters (default: the last 30 days; at most 366), or a 400 naming the one at fault. */
export function usageWindow(rawFrom: string | undefined, rawTo: string | undefined): { from: Date; to: Date } {
  const to = rawTo === undefined ? new Date() : parseInstant(rawTo, "to");
  const from = rawFrom === undefined ? new Date(to.getTime() - 30 * DAY_MS) : parseInstant(rawFrom, "from");
  if (from.getTime() >= to.getTime()) throw badRequest("from must be before to", "from");
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) throw badRequest(`the range from..to may cover at most ${MAX_RANGE_DAYS} days`, "from");
  return { from, to };
}

/** GET /v1/usage: the caller's tenant's usage ledger, in total and grouped. */
export function usageRoutes(app: Hono<AppEnv>, state: AppState): void {
  app.get("/v1/usage", async (c) => {
    const rawGroup = c.req.query("group_by");
    const { from, to } = usageWindow(c.req.query("from"), c.req.query("to"));
    if (rawGroup !== undefined && !(USAGE_GROUPS as readonly string[]).includes(rawGroup)) {
      throw badRequest(`group_by must be one of ${USAGE_GROUPS.join(", ")}, got ${JSON.stringify(rawGroup.slice(0, 64))}`, "group_by");
    }
    const groupBy = rawGroup as UsageGroup | undefined;
    const tenant = c.get("principal").tenant;
    // This node's own recent attempts are written first, so a caller reads what it just did.
    await state.usage?.flush();
    const report = await state.database.run((db) => usageReport(db, { tenant, from, to, groupBy }));
    return c.json({
      object: "usage",
      tenant,
      from: from.toISOString(),
      to: to.toISOString(),
      group_by: groupBy ?? null,
      ...report,
    });
  });
}
