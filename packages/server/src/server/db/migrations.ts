import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.js";

/**
 * Versioned migrations, applied in order at start-up (and by `tarash db migrate`), each in its own
 * transaction and recorded in `tarash_migrations`. Never edit one that has shipped: add the next.
 */
export interface Migration {
  id: number;
  name: string;
  /** Statements run in order (one per entry: a prepared statement takes one command). */
  up: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: "usage_events",
    up: [
      `CREATE TABLE usage_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        tenant text NOT NULL,
        key_id text,
        route text,
        request_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('image', 'video')),
        provider text NOT NULL,
        model text NOT NULL,
        status text NOT NULL CHECK (status IN ('success', 'failed')),
        error_type text,
        latency_ms integer NOT NULL,
        images integer NOT NULL DEFAULT 0,
        video_seconds double precision NOT NULL DEFAULT 0,
        input_tokens integer,
        output_tokens integer,
        estimated_usd double precision NOT NULL DEFAULT 0,
        actual_usd double precision,
        is_mock boolean NOT NULL DEFAULT false
      )`,
      "CREATE INDEX usage_events_tenant_time ON usage_events (tenant, created_at)",
    ],
  },
  {
    id: 2,
    name: "durable_jobs",
    up: [
      // One row per accepted job. `request` is the full payload while the job may still run (a restart
      // runs it from there) and NULL once it finished; `request_summary` is what clients read. JSON is
      // kept as text: it is only ever read whole, and text takes any JSON (jsonb refuses \u0000).
      `CREATE TABLE jobs (
        id text PRIMARY KEY,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        tenant text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('image', 'video')),
        status text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
        created_at timestamptz NOT NULL,
        started_at timestamptz,
        finished_at timestamptz,
        config text NOT NULL,
        request text,
        request_summary text NOT NULL,
        webhook text,
        meta text,
        progress text,
        provider_ref text,
        runs integer NOT NULL DEFAULT 0,
        node_id text,
        result text,
        outputs text,
        error text,
        webhook_delivery text
      )`,
      "CREATE UNIQUE INDEX jobs_seq ON jobs (seq)",
      "CREATE INDEX jobs_tenant_seq ON jobs (tenant, seq DESC)",
      "CREATE INDEX jobs_unfinished ON jobs (seq) WHERE status IN ('queued', 'running')",
      "CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL",
      // Webhooks to deliver, written in the same transaction as the job's terminal status.
      `CREATE TABLE webhook_outbox (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        job_id text NOT NULL,
        url text NOT NULL,
        secret text,
        event text NOT NULL,
        body text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_status integer,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`,
      "CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE status = 'pending'",
      "CREATE INDEX webhook_outbox_job ON webhook_outbox (job_id)",
    ],
  },
  {
    id: 3,
    name: "assets",
    up: [
      // The id is the uuid of the storage key (customers/{tenant}/assets/{kind}/{id}.{ext}). created_at is
      // millisecond-precise (what a JS Date and the list cursor carry), so paging never skips a row.
      `CREATE TABLE assets (
        id uuid PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        tenant text NOT NULL,
        key_id text,
        kind text NOT NULL CHECK (kind IN ('image', 'video')),
        prompt text,
        provider text NOT NULL,
        model text NOT NULL,
        settings jsonb NOT NULL DEFAULT '{}'::jsonb,
        storage_key text NOT NULL UNIQUE,
        media_type text NOT NULL,
        bytes bigint NOT NULL CHECK (bytes >= 0),
        width integer,
        height integer,
        duration_seconds double precision,
        cost_usd double precision,
        job_id text,
        request_id text,
        is_mock boolean NOT NULL DEFAULT false,
        deleting_at timestamptz
      )`,
      "CREATE INDEX assets_tenant_time ON assets (tenant, created_at DESC, id DESC)",
      "CREATE INDEX assets_tenant_kind_time ON assets (tenant, kind, created_at DESC, id DESC)",
      "CREATE INDEX assets_tenant_model_time ON assets (tenant, model, created_at DESC, id DESC)",
      // An admin's listing across tenants, and the sweeper's unfinished deletes.
      "CREATE INDEX assets_time ON assets (created_at DESC, id DESC)",
      "CREATE INDEX assets_deleting ON assets (deleting_at) WHERE deleting_at IS NOT NULL",
    ],
  },
  {
    id: 4,
    name: "tenants_api_keys",
    up: [
      `CREATE TABLE tenants (
        id text PRIMARY KEY,
        name text,
        daily_usd double precision CHECK (daily_usd > 0),
        monthly_usd double precision CHECK (monthly_usd > 0),
        requests_per_minute double precision CHECK (requests_per_minute > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE api_keys (
        id text PRIMARY KEY,
        tenant text NOT NULL REFERENCES tenants (id),
        name text,
        sha256 text NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        prefix text NOT NULL,
        service boolean NOT NULL DEFAULT false,
        daily_usd double precision CHECK (daily_usd > 0),
        monthly_usd double precision CHECK (monthly_usd > 0),
        requests_per_minute double precision CHECK (requests_per_minute > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        last_used_at timestamptz,
        rotated_from text REFERENCES api_keys (id)
      )`,
      "CREATE INDEX api_keys_tenant ON api_keys (tenant, id)",
      `CREATE TABLE budget_reservations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subject text NOT NULL,
        amount_usd double precision NOT NULL CHECK (amount_usd >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`,
      "CREATE INDEX budget_reservations_subject ON budget_reservations (subject, expires_at)",
      // A key's budget sums its spend: without this it would scan the tenant's rows.
      "CREATE INDEX usage_events_key_time ON usage_events (key_id, created_at) WHERE key_id IS NOT NULL",
    ],
  },
];

export class MigrationError extends Error {
  override name = "MigrationError";
}

/** Apply every migration not yet recorded; returns the names applied. A failure names the migration and stops. */
export async function migrate(db: Kysely<Database>, migrations: readonly Migration[] = MIGRATIONS): Promise<string[]> {
  await sql`CREATE TABLE IF NOT EXISTS tarash_migrations (id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`.execute(db);
  const done = new Set((await db.selectFrom("tarash_migrations").select("id").execute()).map((r) => r.id));
  const applied: string[] = [];
  for (const m of [...migrations].sort((a, b) => a.id - b.id)) {
    if (done.has(m.id)) continue;
    try {
      await db.transaction().execute(async (tx) => {
        for (const statement of m.up) await sql.raw(statement).execute(tx);
        await tx.insertInto("tarash_migrations").values({ id: m.id, name: m.name }).execute();
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new MigrationError(`database migration ${m.id} (${m.name}) failed: ${reason}`, { cause: error });
    }
    applied.push(`${m.id}_${m.name}`);
  }
  return applied;
}
