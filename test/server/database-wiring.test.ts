import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { dbCommand } from "../../packages/server/src/cli/db.js";
import { MIGRATIONS } from "../../packages/server/src/server/db/migrations.js";
import { createTerminal } from "../../src/cli/terminal.js";
import { runServe } from "../../packages/server/src/server/serve.js";
import { ConfigError, MigrationError, parseServerConfig, startServer } from "../../packages/server/src/server/index.js";
import { type TestPostgres, startPostgres } from "../helpers/postgres.js";

/** A fresh database on the test server, so each test starts from an empty schema. */
async function freshDatabase(server: TestPostgres, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return server.url.replace(/\/postgres$/, `/${name}`);
}

async function query(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

describe("gateway database wiring", () => {
  let postgres: TestPostgres;
  let dir: string;
  before(async () => {
    postgres = await startPostgres();
    dir = await mkdtemp(join(tmpdir(), "tarash-dbwire-"));
  });
  after(async () => {
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("database.url takes env:NAME and must be a postgres:// URL (the error names the field)", () => {
    const config = parseServerConfig({ database: { url: "env:TARASH_DB" } }, { TARASH_DB: "postgres://u:p@db.internal:5432/tarash" });
    assert.equal(config.database.url, "postgres://u:p@db.internal:5432/tarash");
    assert.equal(config.database.dir, "./.tarash/db");
    assert.throws(
      () => parseServerConfig({ database: { url: "mysql://db/x" } }, {}),
      (e: unknown) => e instanceof ConfigError && e.field === "database.url" && /postgres:\/\//.test(e.message),
    );
    assert.throws(
      () => parseServerConfig({ database: { url: "env:MISSING_DB" } }, {}),
      (e: unknown) => e instanceof ConfigError && e.field === "database.url" && /MISSING_DB is not set/.test(e.message),
    );
  });

  it("start-up migrates a PostgreSQL server's database before serving", async () => {
    const url = await freshDatabase(postgres, "startup_ok");
    const server = await startServer({ config: { logLevel: "silent", mock: { enabled: true }, database: { url }, storage: { dir } }, port: 0, env: {} });
    try {
      const rows = await query(url, "SELECT id, name FROM tarash_migrations ORDER BY id");
      assert.deepEqual(rows[0], { id: 1, name: "usage_events" });
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    } finally {
      await server.close();
    }
    // Closed on shutdown: the gateway's pool holds no connection any more.
    const open = await query(postgres.url, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = 'startup_ok'");
    assert.equal(open[0]!.n, 0);
  });

  it("a migration that fails stops start-up, naming the migration (startServer and tarash serve)", async () => {
    const url = await freshDatabase(postgres, "startup_bad");
    // A table in the way of migration 1, as a hand-made schema would be.
    await query(url, "CREATE TABLE usage_events (id int)");
    await assert.rejects(
      startServer({ config: { logLevel: "silent", mock: { enabled: true }, database: { url }, storage: { dir } }, port: 0, env: {} }),
      (e: unknown) => e instanceof MigrationError && /migration 1 \(usage_events\) failed/.test(e.message),
    );
    const configPath = join(dir, "bad-db.json");
    await writeFile(configPath, JSON.stringify({ logLevel: "silent", mock: { enabled: true }, database: { url }, storage: { dir } }));
    const errors: string[] = [];
    const code = await runServe(["--config", configPath, "--port", "0"], { err: (l) => errors.push(l), out: () => {}, handleSignals: false, env: {} });
    assert.equal(code, 1);
    assert.match(errors.join("\n"), /cannot start: database migration 1 \(usage_events\) failed/);
  });

  it("tarash db migrate applies pending migrations and says what it applied, then that it is up to date", async () => {
    const url = await freshDatabase(postgres, "cli_migrate");
    const configPath = join(dir, "cli-db.json");
    await writeFile(configPath, JSON.stringify({ database: { url } }));
    const out: string[] = [];
    const context = { terminal: createTerminal(process.stderr, true), signal: new AbortController().signal, stdout: (t: string) => void out.push(t) };
    assert.equal(await dbCommand(["migrate", "--config", configPath], context), 0);
    // Every migration, in order (other branches add theirs).
    const all = MIGRATIONS.map((m) => `${m.id}_${m.name}`);
    const latest = Math.max(...MIGRATIONS.map((m) => m.id));
    assert.equal(out.join(""), `PostgreSQL server: applied ${all.join(", ")}\n`);
    assert.equal(await dbCommand(["migrate", "--config", configPath], context), 0);
    assert.equal(out.slice(1).join(""), `PostgreSQL server: up to date (migration ${latest})\n`);
    const embedded = join(dir, "embedded-db");
    await writeFile(configPath, JSON.stringify({ database: { dir: embedded } }));
    out.length = 0;
    assert.equal(await dbCommand(["migrate", "--config", configPath, "--json"], context), 0);
    assert.deepEqual(JSON.parse(out.join("")), { engine: "pglite", applied: all, latest });
  });
});
