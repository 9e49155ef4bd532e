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
