import { mkdir } from "node:fs/promises";
import { Kysely } from "kysely";
import { migrate } from "./migrations.js";
import type { Database } from "./schema.js";

/** `database` in the gateway config: absent → embedded PGlite in `dir`; a `postgres://` URL → that server. */
export interface DatabaseConfig {
  url?: string | undefined;
  /** Where the embedded database lives. Default `./.tarash/db`. */
  dir?: string | undefined;
  /** Bound on connections to a PostgreSQL server. Default 10. */
  maxConnections?: number | undefined;
}

export interface GatewayDatabase {
  db: Kysely<Database>;
  /** "pglite" (embedded) or "postgres" (a server). */
  engine: "pglite" | "postgres";
  close(): Promise<void>;
}

export const DEFAULT_DATABASE_DIR = "./.tarash/db";

/**
 * Open the gateway's database and bring its schema up to date. The drivers load only when used, so a
 * gateway on a PostgreSQL server never loads the 27 MB WASM build, and the library never loads either.
 */
export async function openDatabase(config: DatabaseConfig = {}, options: { migrate?: boolean } = {}): Promise<GatewayDatabase> {
  const opened = config.url ? await openPostgres(config) : await openPglite(config);
  if (options.migrate !== false) {
    try {
      await migrate(opened.db);
    } catch (error) {
      await opened.close();
      throw error;
    }
  }
  return opened;
}

async function openPglite(config: DatabaseConfig): Promise<GatewayDatabase> {
  const [{ PGlite }, { pgliteDialect }] = await Promise.all([import("@electric-sql/pglite"), import("./pglite-dialect.js")]);
  const dir = config.dir ?? DEFAULT_DATABASE_DIR;
  // "memory://" keeps the database in memory (tests, throwaway runs); anything else is a folder.
  if (!dir.startsWith("memory://")) await mkdir(dir, { recursive: true });
  const pglite = await PGlite.create(dir);
  const db = new Kysely<Database>({ dialect: pgliteDialect(pglite) });
  return {
    db,
    engine: "pglite",
    async close() {
      await db.destroy();
      await pglite.close();
    },
  };
}

async function openPostgres(config: DatabaseConfig): Promise<GatewayDatabase> {
  const [{ default: pg }, { PostgresDialect }] = await Promise.all([import("pg"), import("kysely")]);
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.maxConnections ?? 10,
    // Every wait has a bound: a dead server is an error in seconds, not a hung request.
    connectionTimeoutMillis: 5_000,
    query_timeout: 30_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client's socket error (server restart) must not crash the process; the pool replaces it.
  pool.on("error", () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    engine: "postgres",
    async close() {
      await db.destroy();
    },
  };
}
