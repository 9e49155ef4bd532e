import type { Kysely } from "kysely";
import { type DatabaseConfig, type GatewayDatabase, openDatabase } from "./connect.js";
import { MigrationError } from "./migrations.js";
import type { Database } from "./schema.js";

/** The database cannot be reached now: requests that need it answer 503 with Retry-After. */
export class DatabaseUnavailableError extends Error {
  override name = "DatabaseUnavailableError";
  readonly retryAfterSeconds = 5;
}

/** Connection-level failures (server down, restarting, unreachable), as opposed to a bad query (a bug). */
const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EPIPE", "57P01", "57P02", "57P03", "53300"]);

export function isConnectionError(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (CONNECTION_CODES.has(code) || code.startsWith("08"))) return true;
  if (error instanceof AggregateError) return error.errors.some(isConnectionError);
  return /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED|Client has encountered a connection error/i.test(error.message);
}

/**
 * The gateway's database, opened once on first use (or at start-up by startServer) and shared by
 * everything in the process. An open that fails because the server is unreachable is retried on a
 * later use; a failed migration is permanent (it names the migration) until the process restarts.
 */
export class DatabaseHandle {
  private opening: Promise<GatewayDatabase> | undefined;
  private opened: GatewayDatabase | undefined;
  private closed = false;

  constructor(
    readonly config: DatabaseConfig,
    private readonly open: (config: DatabaseConfig) => Promise<GatewayDatabase> = openDatabase,
  ) {}

  /** "pglite" or "postgres": which engine this handle opens. */
  get engine(): "pglite" | "postgres" {
    return this.config.url ? "postgres" : "pglite";
  }

  get isOpen(): boolean {
    return this.opened !== undefined;
  }

  /** The query builder; throws DatabaseUnavailableError when the server cannot be reached. */
  async db(): Promise<Kysely<Database>> {
    if (this.closed) throw new DatabaseUnavailableError("the database is closed (the server is shutting down)");
    this.opening ??= this.open(this.config).then(
      (opened) => (this.opened = opened),
      (error: unknown) => {
        // Unreachable now is worth another try on the next use; a broken migration is not.
        if (!(error instanceof MigrationError)) this.opening = undefined;
        throw error;
      },
    );
    try {
      return (await this.opening).db;
    } catch (error) {
      if (error instanceof MigrationError) throw error;
      if (isConnectionError(error)) throw new DatabaseUnavailableError(`the database is unavailable: ${(error as Error).message}`, { cause: error });
      throw error;
    }
  }

  /** Run `fn` against the database, turning connection failures into DatabaseUnavailableError. */
  async run<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    const db = await this.db();
    try {
      return await fn(db);
    } catch (error) {
      if (isConnectionError(error)) throw new DatabaseUnavailableError(`the database is unavailable: ${(error as Error).message}`, { cause: error });
      throw error;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const opening = this.opening;
    this.opening = undefined;
    if (!opening) return;
    try {
      await (await opening).close();
    } catch {
      // It never opened: nothing to close.
    }
    this.opened = undefined;
  }
}
