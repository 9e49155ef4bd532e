import type { PGlite } from "@electric-sql/pglite";
import { PostgresDialect } from "kysely";

/**
 * Kysely on PGlite: PGlite is one in-process Postgres session, so the "pool" hands out that one session
 * to one user at a time (a transaction keeps it until it ends), and results are reshaped to what Kysely's
 * Postgres driver reads from `pg` (`rows`, `rowCount`, `command`).
 */
export function pgliteDialect(pglite: PGlite): PostgresDialect {
  let tail: Promise<void> = Promise.resolve();
  const client = {
    async query(text: string, parameters: readonly unknown[]) {
      const result = await pglite.query(text, [...parameters]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length, command: /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? "" };
    },
    release() {
      // Replaced per checkout below.
    },
  };
  const pool = {
    async connect() {
      let release!: () => void;
      const turn = new Promise<void>((resolve) => (release = resolve));
      const previous = tail;
      tail = previous.then(() => turn);
      await previous;
      return { query: client.query, release };
    },
    async end() {
      await tail;
    },
  };
  return new PostgresDialect({ pool: pool as unknown as ConstructorParameters<typeof PostgresDialect>[0]["pool"] });
}
