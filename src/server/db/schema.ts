import type { ColumnType, Generated } from "kysely";

/**
 * The gateway's tables, as Kysely sees them. The SQL that creates them is in migrations.ts; a change to
 * one is a new migration plus the matching change here.
 */
export interface Database {
  tarash_migrations: MigrationsTable;
  usage_events: UsageEventsTable;
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
