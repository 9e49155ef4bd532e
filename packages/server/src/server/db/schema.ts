import type { ColumnType, Generated } from "kysely";

/**
 * The gateway's tables, as Kysely sees them. The SQL that creates them is in migrations.ts; a change to
 * one is a new migration plus the matching change here.
 */
export interface Database {
  tarash_migrations: MigrationsTable;
  usage_events: UsageEventsTable;
  jobs: JobsTable;
  webhook_outbox: WebhookOutboxTable;
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  budget_reservations: BudgetReservationsTable;
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

type Timestamp = ColumnType<Date, string, string>;
type NullableTimestamp = ColumnType<Date | null, string | null | undefined, string | null>;
/** JSON text (JSON.stringify / JSON.parse): read whole, never queried inside. */
type JsonText = string;
type NullableJsonText = ColumnType<string | null, string | null | undefined, string | null>;

/** One accepted job (single-node queue: the job itself; with Redis: its record and result). */
export interface JobsTable {
  id: string;
  /** Insertion order: lists are newest first by it (timestamps tie). */
  seq: ColumnType<string | number, never, never>;
  tenant: string;
  kind: "image" | "video";
  status: "queued" | "running" | "completed" | "failed" | "cancelled";
  created_at: Timestamp;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  config: JsonText;
  /** The full request while the job may still run; NULL once finished. */
  request: NullableJsonText;
  request_summary: JsonText;
  webhook: NullableJsonText;
  meta: NullableJsonText;
  progress: NullableJsonText;
  /** The submitted provider job (a tarash video job id), stored before it is polled. */
  provider_ref: string | null;
  /** How many times a process started the job (a restart that finds it running starts it again). */
  runs: ColumnType<number, number | undefined, number>;
  /** The process that runs it now. */
  node_id: string | null;
  result: NullableJsonText;
  outputs: NullableJsonText;
  error: NullableJsonText;
  webhook_delivery: NullableJsonText;
}

/** A signed webhook to deliver at least once, retried with backoff. */
export interface WebhookOutboxTable {
  /** bigint: a string from `pg`, a number from PGlite. */
  id: ColumnType<string | number, never, never>;
  job_id: string;
  url: string;
  /** The job's own webhook secret; NULL means the gateway's webhooks.secret. */
  secret: string | null;
  event: string;
  /** The exact body signed and sent on every attempt (its event id lets receivers drop duplicates). */
  body: string;
  status: ColumnType<"pending" | "delivered" | "failed", "pending" | undefined, "pending" | "delivered" | "failed">;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: ColumnType<Date, string | undefined, string>;
  last_status: number | null;
  last_error: string | null;
  created_at: ColumnType<Date, string | undefined, never>;
  finished_at: NullableTimestamp;
}

/** A tenant managed through the admin API; its settings win over the config file's, field by field. */
export interface TenantsTable {
  id: string;
  name: string | null;
  daily_usd: number | null;
  monthly_usd: number | null;
  requests_per_minute: number | null;
  created_at: ColumnType<Date, string | undefined, never>;
  updated_at: ColumnType<Date, string | undefined, string>;
}

/** An API key issued through the admin API: only its SHA-256 is stored, never the key. */
export interface ApiKeysTable {
  /** The first 12 hex digits of the key's SHA-256, as config keys are named in the usage ledger. */
  id: string;
  tenant: string;
  name: string | null;
  sha256: string;
  /** The key's first characters (`tsk_` and 6 more): a public label, not part of the secret. */
  prefix: string;
  service: boolean;
  daily_usd: number | null;
  monthly_usd: number | null;
  requests_per_minute: number | null;
  created_at: ColumnType<Date, string | undefined, never>;
  /** When the key stops working (set by revoke and rotate; in the future during a rotation's grace period). */
  revoked_at: ColumnType<Date | null, string | null | undefined, string | null>;
  last_used_at: ColumnType<Date | null, string | null | undefined, string | null>;
  /** The key this one replaced (rotate). */
  rotated_from: string | null;
}

/** Budget held by a generation in flight, on any node sharing the database; deleted when it settles. */
export interface BudgetReservationsTable {
  id: Generated<string>;
  /** `tenant:<id>` or `key:<key id>`. */
  subject: string;
  amount_usd: ColumnType<number, number, number>;
  created_at: ColumnType<Date, string | undefined, never>;
  /** A node that died mid-generation leaves its reservation; it stops counting after this. */
  expires_at: ColumnType<Date, string, string>;
}

/**
 * One stored output (image or video) of a generation: the object at `storage_key` is written before
 * the row, and removed before the row (see packages/server/src/server/assets/).
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
