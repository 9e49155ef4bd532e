import type { ColumnType, Generated } from "kysely";

/**
 * The gateway's tables, as Kysely sees them. The SQL that creates them is in migrations.ts; a change to
 * one is a new migration plus the matching change here.
 */
export interface Database {
  tarash_migrations: MigrationsTable;
  usage_events: UsageEventsTable;
  assets: AssetsTable;
}

export interface MigrationsTable {
  id: number;
  name: string;
  applied_at: ColumnType<Date, string | undefined, never>;
}

/** One attempt of one generation: who asked, what ran, how it ended, what it cost. */
export interface UsageEventsTable {
  id: Generated<string>;
  created_at: ColumnType<Date, string | undefined, never>;
  tenant: string;
  /** The API key's id (its hash prefix), or null for JWT and unauthenticated callers. */
  key_id: string | null;
  route: string | null;
  request_id: string;
  kind: "image" | "video";
  provider: string;
  model: string;
  status: "success" | "failed";
  error_type: string | null;
  latency_ms: number;
  images: number;
  video_seconds: ColumnType<number, number, number>;
  input_tokens: number | null;
  output_tokens: number | null;
  estimated_usd: ColumnType<number, number, number>;
  /** The provider's own figure, where it reports one. */
  actual_usd: ColumnType<number | null, number | null, number | null>;
  is_mock: boolean;
}

/**
 * One stored output (image or video) of a generation: the object at `storage_key` is written before
 * the row, and removed before the row (see src/server/assets/).
 */
export interface AssetsTable {
  /** The uuid of the storage key's file name. */
  id: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  tenant: string;
  key_id: string | null;
  kind: "image" | "video";
  prompt: string | null;
  provider: string;
  model: string;
  /** The request's settings (media inputs left out), as JSON. */
  settings: ColumnType<Record<string, unknown>, string, never>;
  storage_key: string;
  media_type: string;
  /** bigint: `pg` reads it as a string, PGlite as a number. */
  bytes: ColumnType<string | number | bigint, number, never>;
  width: number | null;
  height: number | null;
  duration_seconds: number | null;
  /** This output's share of the generation's cost. */
  cost_usd: number | null;
  job_id: string | null;
  request_id: string | null;
  is_mock: boolean;
  /** Set when a delete has begun: the row is hidden, the sweeper finishes a delete that was cut short. */
  deleting_at: ColumnType<Date | null, never, Date | null>;
}
