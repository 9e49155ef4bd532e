import type { ExpressionBuilder, Selectable } from "kysely";
import type { Logger } from "../../../../../src/core/logger.js";
import { type DatabaseHandle, DatabaseUnavailableError } from "../db/handle.js";
import type { AssetsTable, Database } from "../db/schema.js";
import type { Storage } from "../storage/storage.js";
import { type AssetCursor, isUuid } from "./cursor.js";

/** A row to write: one stored output of one generation. */
export interface NewAsset {
  id: string;
  createdAt: Date;
  tenant: string;
  keyId: string | undefined;
  kind: "image" | "video";
  prompt: string | undefined;
  provider: string;
  model: string;
  settings: Record<string, unknown>;
  storageKey: string;
  mediaType: string;
  bytes: number;
  width: number | undefined;
  height: number | undefined;
  durationSeconds: number | undefined;
  costUsd: number | undefined;
  jobId: string | undefined;
  requestId: string | undefined;
  isMock: boolean;
}

export type AssetRow = Selectable<AssetsTable>;

export interface AssetQuery {
  /** The caller's tenant; null for an admin (service) caller listing every tenant. */
  tenant: string | null;
  kind?: "image" | "video" | undefined;
  /** A model id (`grok-imagine-image`) or `provider/model` (`xai/grok-imagine-image`). */
  model?: string | undefined;
  /** created_at ≥ from and < to. */
  from?: Date | undefined;
  to?: Date | undefined;
  limit: number;
  after?: AssetCursor | undefined;
}

/** Rows inserted per statement: a generation of many outputs is still one bounded statement each. */
const INSERT_CHUNK = 100;

/**
 * The asset table and the objects it points at, kept so that no row exists without its object: rows are
 * written only after their objects are stored, and a delete hides the row (deleting_at), removes the
 * object, then removes the row. Objects left without a row (a crash between the two writes) are the
 * sweeper's (./sweeper.ts).
 */
export class AssetStore {
  /** Rows waiting for the database to come back, by storage key (bounded by `maxPending`). */
  private readonly pending = new Map<string, NewAsset>();
  private retryTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    readonly database: DatabaseHandle,
    private readonly storage: Storage,
    private readonly logger?: Logger | undefined,
    private readonly options: { maxPending?: number | undefined; retryMs?: number | undefined } = {},
  ) {}

  /** Rows not yet written (the database was down when their generation ended). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Whether a key's row is waiting to be written in this process (the sweeper leaves its object alone). */
  isPending(key: string): boolean {
    return this.pending.has(key);
  }

  /**
   * Keep rows whose insert found the database down, and write them when it is back (retried every few
   * seconds). False when the bound is reached: the caller then treats the rows as unwritable. Their
   * objects stay meanwhile; rows still pending when the process dies leave objects without rows, which
   * the sweeper removes after its grace age, never a row without its object.
   */
  queue(rows: readonly NewAsset[]): boolean {
    const max = this.options.maxPending ?? 10_000;
    if (this.pending.size + rows.length > max) return false;
    for (const row of rows) this.pending.set(row.storageKey, row);
    this.retryTimer ??= setTimeout(() => {
      this.retryTimer = undefined;
      void this.flushPending();
    }, this.options.retryMs ?? 5_000).unref();
    return true;
  }

  /** Write the pending rows (one attempt); those the database still cannot take wait for the next one. */
  flushPending(): Promise<void> {
    this.flushing ??= (async () => {
      try {
        while (this.pending.size > 0) {
          const batch = [...this.pending.values()].slice(0, INSERT_CHUNK);
          try {
            // A row that made it in before (a retry after a lost answer) is not written twice.
            await this.database.run((db) =>
              db.selectFrom("assets").select("storage_key").where("storage_key", "in", batch.map((r) => r.storageKey)).execute(),
            ).then((present) => present.forEach((p) => this.pending.delete(p.storage_key)));
            const left = batch.filter((r) => this.pending.has(r.storageKey));
            await this.insert(left);
            for (const row of left) this.pending.delete(row.storageKey);
          } catch (error) {
            if (error instanceof DatabaseUnavailableError) {
              if (this.pending.size > 0) this.queue([]);
              return;
            }
            // Refused for good (a bug): dropped, and their objects left to the sweeper.
            for (const row of batch) this.pending.delete(row.storageKey);
            this.logger?.error({ error, rows: batch.length }, "asset rows refused by the database were dropped");
          }
        }
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  /** Shutdown: one last attempt at the pending rows, bounded by `timeoutMs`. */
  async close(timeoutMs: number): Promise<void> {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.pending.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.flushPending(), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs).unref()))]);
    clearTimeout(timer);
    clearTimeout(this.retryTimer);
    if (this.pending.size > 0) this.logger?.warn({ rows: this.pending.size }, "asset rows still unwritten at shutdown: their objects will be swept");
  }

  async insert(assets: readonly NewAsset[]): Promise<void> {
    if (assets.length === 0) return;
    await this.database.run(async (db) => {
      for (let i = 0; i < assets.length; i += INSERT_CHUNK) {
        const values = assets.slice(i, i + INSERT_CHUNK).map((a) => ({
          id: a.id,
          created_at: a.createdAt,
          tenant: a.tenant,
          key_id: a.keyId ?? null,
          kind: a.kind,
          prompt: a.prompt ?? null,
          provider: a.provider,
          model: a.model,
          settings: JSON.stringify(a.settings),
          storage_key: a.storageKey,
          media_type: a.mediaType,
          bytes: a.bytes,
          width: a.width ?? null,
          height: a.height ?? null,
          duration_seconds: a.durationSeconds ?? null,
          cost_usd: a.costUsd ?? null,
          job_id: a.jobId ?? null,
          request_id: a.requestId ?? null,
          is_mock: a.isMock,
        }));
        await db.insertInto("assets").values(values).execute();
      }
    });
  }

  /** One page, newest first, plus the cursor of the next page (undefined on the last). */
  async list(query: AssetQuery): Promise<{ rows: AssetRow[]; next: AssetCursor | undefined }> {
    const rows = await this.database.run((db) => {
      let q = db.selectFrom("assets").selectAll().where("deleting_at", "is", null);
      if (query.tenant !== null) q = q.where("tenant", "=", query.tenant);
      if (query.kind) q = q.where("kind", "=", query.kind);
      if (query.model !== undefined) {
        const model = query.model;
        q = q.where((eb) => modelMatch(eb, model));
      }
      if (query.from) q = q.where("created_at", ">=", query.from);
      if (query.to) q = q.where("created_at", "<", query.to);
      if (query.after) {
        const { createdAt, id } = query.after;
        q = q.where((eb) => eb(eb.refTuple("created_at", "id"), "<", eb.tuple(createdAt, id)));
      }
      return q.orderBy("created_at", "desc").orderBy("id", "desc").limit(query.limit + 1).execute();
    });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return { rows: page, next: rows.length > query.limit && last ? { createdAt: last.created_at, id: last.id } : undefined };
  }

  /** One asset of the tenant (any tenant's for null), or undefined: another tenant's asset does not exist. */
  async get(id: string, tenant: string | null): Promise<AssetRow | undefined> {
    if (!isUuid(id)) return undefined;
    return this.database.run((db) => {
      let q = db.selectFrom("assets").selectAll().where("id", "=", id).where("deleting_at", "is", null);
      if (tenant !== null) q = q.where("tenant", "=", tenant);
      return q.executeTakeFirst();
    });
  }

  /**
   * Delete an asset: hide the row, remove the object, remove the row. False when there is no such asset
   * for this tenant. A delete cut short (the store failed, the process died) leaves the row hidden; the
   * same DELETE again, or the sweeper, finishes it.
   */
  async remove(id: string, tenant: string | null): Promise<boolean> {
    if (!isUuid(id)) return false;
    const row = await this.database.run(async (db) => {
      // A delete already under way keeps its first timestamp (the sweeper's grace counts from it).
      let q = db
        .updateTable("assets")
        .set((eb) => ({ deleting_at: eb.fn.coalesce("deleting_at", eb.val(new Date())) }))
        .where("id", "=", id);
      if (tenant !== null) q = q.where("tenant", "=", tenant);
      return q.returning(["id", "storage_key"]).executeTakeFirst();
    });
    if (!row) return false;
    await this.finishDelete(row.id, row.storage_key);
    return true;
  }

  /**
   * Delete the assets stored under these keys (a request that failed after recording them), in the same
   * order as `remove`: hide the rows, remove the objects, remove the rows.
   */
  async discard(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    // Rows still waiting for the database must never be written after their objects are gone.
    for (const key of keys) this.pending.delete(key);
    await this.database.run((db) =>
      db
        .updateTable("assets")
        .set((eb) => ({ deleting_at: eb.fn.coalesce("deleting_at", eb.val(new Date())) }))
        .where("storage_key", "in", [...keys])
        .execute(),
    );
    await Promise.all(keys.map((key) => this.storage.delete(key)));
    await this.database.run((db) => db.deleteFrom("assets").where("storage_key", "in", [...keys]).execute());
  }

  /** Remove the object, then the row (a delete already begun). */
  async finishDelete(id: string, storageKey: string): Promise<void> {
    await this.storage.delete(storageKey);
    await this.database.run((db) => db.deleteFrom("assets").where("id", "=", id).execute());
  }

  /** Of these storage keys, the ones that have a row (hidden or not). */
  async knownKeys(keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows = await this.database.run((db) => db.selectFrom("assets").select("storage_key").where("storage_key", "in", [...keys]).execute());
    return new Set(rows.map((r) => r.storage_key));
  }

  /** Deletes that began before `before` and never finished, at most `limit`. */
  async unfinishedDeletes(before: Date, limit: number): Promise<{ id: string; storage_key: string }[]> {
    return this.database.run((db) =>
      db.selectFrom("assets").select(["id", "storage_key"]).where("deleting_at", "is not", null).where("deleting_at", "<", before).orderBy("deleting_at").limit(limit).execute(),
    );
  }

  /**
   * When the asset table came to be (migration 3). Objects stored before it have no rows by design
   * (nothing recorded them), so the sweeper leaves them alone.
   */
  async tableCreatedAt(): Promise<Date | undefined> {
    const row = await this.database.run((db) => db.selectFrom("tarash_migrations").select("applied_at").where("id", "=", 3).executeTakeFirst());
    return row?.applied_at;
  }
}

/** `model` as a bare id, or as `provider/model` (model ids may hold slashes themselves: fal-ai/flux/dev). */
function modelMatch(eb: ExpressionBuilder<Database, "assets">, model: string) {
  const alternatives = [eb("model", "=", model)];
  const slash = model.indexOf("/");
  if (slash > 0) alternatives.push(eb.and([eb("provider", "=", model.slice(0, slash)), eb("model", "=", model.slice(slash + 1))]));
  return eb.or(alternatives);
}
