import { type Kysely, type RawBuilder, sql } from "kysely";
import type { Database } from "../db/schema.js";

export const USAGE_GROUPS = ["day", "model", "provider", "route", "key"] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];
/** The admin API's view across tenants groups by tenant too. */
export const ADMIN_USAGE_GROUPS = [...USAGE_GROUPS, "tenant"] as const;
export type AdminUsageGroup = (typeof ADMIN_USAGE_GROUPS)[number];

export interface UsageTotals {
  attempts: number;
  succeeded: number;
  failed: number;
  /** Attempts that ran against the mock provider or in mock mode: counted, never in the USD sums. */
  mock_attempts: number;
  images: number;
  video_seconds: number;
  input_tokens: number;
  output_tokens: number;
  /** The gateway's estimate (catalog prices, or the provider's figure where it gave one). */
  estimated_usd: number;
  /** What providers themselves reported, where they did. */
  actual_usd: number;
  /** Per attempt the provider's figure where there is one, else the estimate: what to budget against. */
  spend_usd: number;
}

export interface UsageReport {
  totals: UsageTotals;
  groups: (UsageTotals & { key: string })[];
  /** More groups than the cap existed; the first `MAX_GROUPS` by key are listed. */
  truncated: boolean;
}

/** Groups listed at most (a year of days fits; keys and models of one tenant normally do). */
export const MAX_GROUPS = 1000;

const GROUP_KEY: Record<AdminUsageGroup, RawBuilder<string>> = {
  tenant: sql<string>`tenant`,
  day: sql<string>`to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
  model: sql<string>`provider || '/' || model`,
  provider: sql<string>`provider`,
  route: sql<string>`coalesce(route, '(none)')`,
  key: sql<string>`coalesce(key_id, '(none)')`,
};

const AGGREGATES = [
  sql<string>`count(*)`.as("attempts"),
  sql<string>`count(*) FILTER (WHERE status = 'success')`.as("succeeded"),
  sql<string>`count(*) FILTER (WHERE status = 'failed')`.as("failed"),
  sql<string>`count(*) FILTER (WHERE is_mock)`.as("mock_attempts"),
  sql<string>`coalesce(sum(images), 0)`.as("images"),
  sql<number>`coalesce(sum(video_seconds), 0)`.as("video_seconds"),
  sql<string>`coalesce(sum(input_tokens), 0)`.as("input_tokens"),
  sql<string>`coalesce(sum(output_tokens), 0)`.as("output_tokens"),
  sql<number>`coalesce(sum(estimated_usd) FILTER (WHERE NOT is_mock), 0)`.as("estimated_usd"),
  sql<number>`coalesce(sum(actual_usd) FILTER (WHERE NOT is_mock), 0)`.as("actual_usd"),
  sql<number>`coalesce(sum(coalesce(actual_usd, estimated_usd)) FILTER (WHERE NOT is_mock), 0)`.as("spend_usd"),
];

/** Sums of USD are floats: round to a micro-dollar so 0.1 + 0.2 reads 0.3. */
const usd = (v: unknown) => Math.round(Number(v) * 1e6) / 1e6;

function totals(row: Record<string, unknown>): UsageTotals {
  return {
    attempts: Number(row.attempts),
    succeeded: Number(row.succeeded),
    failed: Number(row.failed),
    mock_attempts: Number(row.mock_attempts),
    images: Number(row.images),
    video_seconds: Math.round(Number(row.video_seconds) * 1000) / 1000,
    input_tokens: Number(row.input_tokens),
    output_tokens: Number(row.output_tokens),
    estimated_usd: usd(row.estimated_usd),
    actual_usd: usd(row.actual_usd),
    spend_usd: usd(row.spend_usd),
  };
}

/** A tenant's usage in [from, to) (every tenant's without one: the admin API), in total and, with `groupBy`, per group (ordered by key). */
export async function usageReport(db: Kysely<Database>, query: { tenant: string | undefined; from: Date; to: Date; groupBy?: AdminUsageGroup | undefined }): Promise<UsageReport> {
  let scoped = db.selectFrom("usage_events").where("created_at", ">=", query.from).where("created_at", "<", query.to);
  if (query.tenant !== undefined) scoped = scoped.where("tenant", "=", query.tenant);
  const total = await scoped.select(AGGREGATES).executeTakeFirstOrThrow();
  if (!query.groupBy) return { totals: totals(total), groups: [], truncated: false };
  const key = GROUP_KEY[query.groupBy];
  const rows = await scoped
    .select([key.as("key"), ...AGGREGATES])
    .groupBy(key)
    .orderBy(key)
    .limit(MAX_GROUPS + 1)
    .execute();
  return {
    totals: totals(total),
    groups: rows.slice(0, MAX_GROUPS).map((r) => ({ key: String(r.key), ...totals(r) })),
    truncated: rows.length > MAX_GROUPS,
  };
}
