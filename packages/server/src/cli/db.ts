import { parseArgs } from "node:util";
import { EXIT, UsageError } from "../../../../src/cli/exit-codes.js";
import type { RunContext } from "../../../../src/cli/run.js";

export const DB_HELP = `Usage: tarash db migrate [--config FILE] [--json]

Applies the gateway database's pending migrations and prints what it applied. The database is the one
the config names (database.url: a PostgreSQL server; else the embedded one in database.dir, default
./.tarash/db). The gateway also migrates at start-up; this runs them ahead of a deploy.`;

/** `tarash db migrate`: the server modules load only here, so other commands start fast. */
export async function dbCommand(argv: string[], run: RunContext): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h") {
    run.stdout(`${DB_HELP}\n`);
    return sub === undefined ? EXIT.badInput : EXIT.ok;
  }
  if (sub !== "migrate") throw new UsageError(`unknown db command "${sub}"; commands: migrate`);
  let values: { config?: string | undefined; json?: boolean | undefined };
  try {
    ({ values } = parseArgs({ args: rest, options: { config: { type: "string", short: "c" }, json: { type: "boolean" } }, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [{ loadServerConfig, ConfigError }, { openDatabase }, { migrate, MIGRATIONS }] = await Promise.all([
    import("../server/config.js"),
    import("../server/db/connect.js"),
    import("../server/db/migrations.js"),
  ]);
  let config;
  try {
    config = await loadServerConfig({ path: values.config });
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  const { url, dir, maxConnections } = config.database;
  const database = await openDatabase({ url, dir, maxConnections }, { migrate: false });
  try {
    const applied = await migrate(database.db);
    const where = url ? "PostgreSQL server" : `embedded database in ${dir}`;
    if (values.json) run.stdout(`${JSON.stringify({ engine: database.engine, applied, latest: MIGRATIONS.at(-1)?.id ?? 0 })}\n`);
    else if (applied.length === 0) run.stdout(`${where}: up to date (migration ${MIGRATIONS.at(-1)?.id ?? 0})\n`);
    else run.stdout(`${where}: applied ${applied.join(", ")}\n`);
    return EXIT.ok;
  } finally {
    await database.close();
  }
}
