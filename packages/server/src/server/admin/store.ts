import { type Selectable, sql } from "kysely";
import type { DatabaseHandle } from "../db/handle.js";
import { DatabaseUnavailableError } from "../db/handle.js";
import type { ApiKeysTable, TenantsTable } from "../db/schema.js";
import { generateKey } from "./key-format.js";

export interface Budget {
  dailyUsd?: number | undefined;
  monthlyUsd?: number | undefined;
}

/** A database tenant: its settings win over the config file's, field by field. */
export interface TenantRecord {
  id: string;
  name: string | null;
  budget: Budget;
  requestsPerMinute: number | undefined;
  createdAt: Date;
  updatedAt: Date;
}

/** A database API key, without its secret (only the hash is stored; it is not exposed either). */
export interface KeyRecord {
  id: string;
  tenant: string;
  name: string | null;
  prefix: string;
  service: boolean;
  budget: Budget;
  requestsPerMinute: number | undefined;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  rotatedFrom: string | null;
}

/** `null` clears a setting; absent leaves it. */
export interface SettingsPatch {
  name?: string | null | undefined;
  dailyUsd?: number | null | undefined;
  monthlyUsd?: number | null | undefined;
  requestsPerMinute?: number | null | undefined;
}

export interface KeyStoreOptions {
  /** How long a looked-up key or tenant is trusted before it is read again (other nodes' revocations show after this). */
  ttlMs?: number | undefined;
  /** Entries per cache at most; the oldest go first. */
  maxEntries?: number | undefined;
  /** `last_used_at` is written at most this often per key. */
  lastUsedIntervalMs?: number | undefined;
  now?: (() => number) | undefined;
}

export class NotFoundError extends Error {
  override name = "NotFoundError";
}
export class ConflictError extends Error {
  override name = "ConflictError";
}

interface Entry<T> {
  value: T;
  expires: number;
}

/** A bounded map with a lifetime per entry; expired entries stay until replaced or evicted (stale reads). */
class TtlCache<T> {
  private readonly map = new Map<string, Entry<T>>();
  constructor(private readonly max: number) {}
  get(key: string): Entry<T> | undefined {
    return this.map.get(key);
  }
  set(key: string, value: T, expires: number): void {
    this.map.delete(key);
    this.map.set(key, { value, expires });
    // Insertion order is age: the first entries are the oldest.
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
}

const budgetOf = (row: { daily_usd: number | null; monthly_usd: number | null }): Budget => ({
  ...(row.daily_usd === null ? {} : { dailyUsd: Number(row.daily_usd) }),
  ...(row.monthly_usd === null ? {} : { monthlyUsd: Number(row.monthly_usd) }),
});

function tenantRecord(row: Selectable<TenantsTable>): TenantRecord {
  return {
    id: row.id,
    name: row.name,
    budget: budgetOf(row),
    requestsPerMinute: row.requests_per_minute === null ? undefined : Number(row.requests_per_minute),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

type KeyRow = Omit<Selectable<ApiKeysTable>, "sha256">;
const KEY_COLUMNS = ["id", "tenant", "name", "prefix", "service", "daily_usd", "monthly_usd", "requests_per_minute", "created_at", "revoked_at", "last_used_at", "rotated_from"] as const;

function keyRecord(row: KeyRow): KeyRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    name: row.name,
    prefix: row.prefix,
    service: row.service,
    budget: budgetOf(row),
    requestsPerMinute: row.requests_per_minute === null ? undefined : Number(row.requests_per_minute),
    createdAt: new Date(row.created_at),
    revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
    lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at),
    rotatedFrom: row.rotated_from,
  };
}

/** The settings columns a patch writes (undefined fields are left alone). */
function settingsColumns(patch: SettingsPatch) {
  return {
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.dailyUsd !== undefined ? { daily_usd: patch.dailyUsd } : {}),
    ...(patch.monthlyUsd !== undefined ? { monthly_usd: patch.monthlyUsd } : {}),
    ...(patch.requestsPerMinute !== undefined ? { requests_per_minute: patch.requestsPerMinute } : {}),
  };
}

const isUniqueViolation = (error: unknown) => (error as { code?: unknown } | undefined)?.code === "23505";

/**
 * Tenants and API keys in the database, with small caches in front of the lookups every request makes.
 * A key is trusted for `ttlMs` (10 s) after it was read: a revocation made on this node drops the
 * entry at once; one made on another node is seen here within `ttlMs`.
 */
export class KeyStore {
  private readonly ttlMs: number;
  private readonly lastUsedIntervalMs: number;
  private readonly now: () => number;
  /** By hex SHA-256: the key, or null for a hash no key has (so an unknown key costs one query per ttl). */
  private readonly byHash: TtlCache<KeyRecord | null>;
  private readonly byId: TtlCache<KeyRecord | null>;
  private readonly tenants: TtlCache<TenantRecord | null>;
  private readonly lastUsedWritten = new Map<string, number>();
  private readonly maxEntries: number;

  constructor(
    private readonly database: DatabaseHandle,
    options: KeyStoreOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 10_000;
    this.lastUsedIntervalMs = options.lastUsedIntervalMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.byHash = new TtlCache(this.maxEntries);
    this.byId = new TtlCache(this.maxEntries);
    this.tenants = new TtlCache(this.maxEntries);
  }

  private active(key: KeyRecord | null): KeyRecord | undefined {
    if (!key) return undefined;
    return key.revokedAt && key.revokedAt.getTime() <= this.now() ? undefined : key;
  }

  /** The active key with this SHA-256, or undefined (unknown, or revoked — a rotated key after its grace period). */
  async authenticate(sha256: string): Promise<KeyRecord | undefined> {
    const cached = this.byHash.get(sha256);
    let key: KeyRecord | null;
    if (cached && cached.expires > this.now()) key = cached.value;
    else {
      const row = await this.database.run((db) => db.selectFrom("api_keys").select(KEY_COLUMNS).where("sha256", "=", sha256).executeTakeFirst());
      key = row ? keyRecord(row) : null;
      this.byHash.set(sha256, key, this.now() + this.ttlMs);
    }
    const found = this.active(key);
    if (found) this.touch(found.id);
    return found;
  }

  /** `last_used_at`, written at most once a minute per key and off the request path. */
  private touch(id: string): void {
    const now = this.now();
    if (now - (this.lastUsedWritten.get(id) ?? 0) < this.lastUsedIntervalMs) return;
    this.lastUsedWritten.set(id, now);
    if (this.lastUsedWritten.size > this.maxEntries) this.lastUsedWritten.delete(this.lastUsedWritten.keys().next().value as string);
    void this.database
      .run((db) => db.updateTable("api_keys").set({ last_used_at: new Date(now).toISOString() }).where("id", "=", id).execute())
      .catch(() => {
        // Best effort: a lost last-used time is not worth failing or logging a request over.
      });
  }

  /**
   * A key's settings by id (budgets and limits of queued jobs, which carry the id only). With `stale`,
   * a database that cannot be reached answers with the last value read, if any.
   */
  async keyById(id: string, options: { stale?: boolean } = {}): Promise<KeyRecord | undefined> {
    const value = await this.cached(this.byId, id, options.stale === true, async () => {
      const row = await this.database.run((db) => db.selectFrom("api_keys").select(KEY_COLUMNS).where("id", "=", id).executeTakeFirst());
      return row ? keyRecord(row) : null;
    });
    return value ?? undefined;
  }

  /** A tenant's database settings, or undefined when it has no row. `stale` as for keyById. */
  async tenant(id: string, options: { stale?: boolean } = {}): Promise<TenantRecord | undefined> {
    const value = await this.cached(this.tenants, id, options.stale === true, async () => {
      const row = await this.database.run((db) => db.selectFrom("tenants").selectAll().where("id", "=", id).executeTakeFirst());
      return row ? tenantRecord(row) : null;
    });
    return value ?? undefined;
  }

  private async cached<T>(cache: TtlCache<T | null>, key: string, stale: boolean, read: () => Promise<T | null>): Promise<T | null> {
    const hit = cache.get(key);
    if (hit && hit.expires > this.now()) return hit.value;
    try {
      const value = await read();
      cache.set(key, value, this.now() + this.ttlMs);
      return value;
    } catch (error) {
      if (stale && hit && error instanceof DatabaseUnavailableError) return hit.value;
      throw error;
    }
  }

  // ---- Admin operations. Each drops what it changed from this node's caches.

  async createTenant(input: { id: string } & SettingsPatch): Promise<TenantRecord> {
    try {
      const row = await this.database.run((db) =>
        db.insertInto("tenants").values({ id: input.id, name: null, daily_usd: null, monthly_usd: null, requests_per_minute: null, ...settingsColumns(input) }).returningAll().executeTakeFirstOrThrow(),
      );
      this.tenants.delete(input.id);
      return tenantRecord(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`tenant ${JSON.stringify(input.id)} already exists`);
      throw error;
    }
  }

  async listTenants(options: { limit: number; after?: string | undefined }): Promise<{ tenants: TenantRecord[]; hasMore: boolean }> {
    const rows = await this.database.run((db) => {
      let q = db.selectFrom("tenants").selectAll().orderBy("id").limit(options.limit + 1);
      if (options.after !== undefined) q = q.where("id", ">", options.after);
      return q.execute();
    });
    return { tenants: rows.slice(0, options.limit).map(tenantRecord), hasMore: rows.length > options.limit };
  }

  async getTenant(id: string): Promise<TenantRecord> {
    const row = await this.database.run((db) => db.selectFrom("tenants").selectAll().where("id", "=", id).executeTakeFirst());
    if (!row) throw new NotFoundError(`no tenant ${JSON.stringify(id)} in the database`);
    return tenantRecord(row);
  }

  async updateTenant(id: string, patch: SettingsPatch): Promise<TenantRecord> {
    const row = await this.database.run((db) =>
      db
        .updateTable("tenants")
        .set({ ...settingsColumns(patch), updated_at: new Date(this.now()).toISOString() })
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirst(),
    );
    this.tenants.delete(id);
    if (!row) throw new NotFoundError(`no tenant ${JSON.stringify(id)} in the database`);
    return tenantRecord(row);
  }

  /**
   * Issue a key for `tenant` (its row is created when missing: tenants of the config file get one on
   * their first database key). Returns the plain key, which exists nowhere else afterwards.
   */
  async createKey(input: { tenant: string; service?: boolean | undefined; rotatedFrom?: string | undefined } & SettingsPatch): Promise<{ record: KeyRecord; key: string }> {
    // A 48-bit id collision is as good as impossible; one retry turns it into never.
    for (let attempt = 0; ; attempt++) {
      const fresh = generateKey();
      try {
        const row = await this.database.run((db) =>
          db.transaction().execute(async (tx) => {
            await tx.insertInto("tenants").values({ id: input.tenant, name: null, daily_usd: null, monthly_usd: null, requests_per_minute: null }).onConflict((oc) => oc.column("id").doNothing()).execute();
            return tx
              .insertInto("api_keys")
              .values({
                id: fresh.id,
                tenant: input.tenant,
                sha256: fresh.sha256,
                prefix: fresh.prefix,
                service: input.service === true,
                name: null,
                daily_usd: null,
                monthly_usd: null,
                requests_per_minute: null,
                rotated_from: input.rotatedFrom ?? null,
                ...settingsColumns(input),
              })
              .returning(KEY_COLUMNS)
              .executeTakeFirstOrThrow();
          }),
        );
        this.byHash.delete(fresh.sha256);
        return { record: keyRecord(row), key: fresh.key };
      } catch (error) {
        if (isUniqueViolation(error) && attempt < 2) continue;
        throw error;
      }
    }
  }

  async listKeys(options: { tenant?: string | undefined; includeRevoked: boolean; limit: number; after?: string | undefined }): Promise<{ keys: KeyRecord[]; hasMore: boolean }> {
    const now = new Date(this.now());
    const rows = await this.database.run((db) => {
      let q = db.selectFrom("api_keys").select(KEY_COLUMNS).orderBy("id").limit(options.limit + 1);
      if (options.tenant !== undefined) q = q.where("tenant", "=", options.tenant);
      if (!options.includeRevoked) q = q.where((eb) => eb.or([eb("revoked_at", "is", null), eb("revoked_at", ">", now)]));
      if (options.after !== undefined) q = q.where("id", ">", options.after);
      return q.execute();
    });
    return { keys: rows.slice(0, options.limit).map(keyRecord), hasMore: rows.length > options.limit };
  }

  async getKey(id: string): Promise<KeyRecord> {
    const row = await this.database.run((db) => db.selectFrom("api_keys").select(KEY_COLUMNS).where("id", "=", id).executeTakeFirst());
    if (!row) throw new NotFoundError(`no API key ${JSON.stringify(id)} in the database`);
    return keyRecord(row);
  }

  async updateKey(id: string, patch: SettingsPatch): Promise<KeyRecord> {
    const row = await this.database.run((db) => db.updateTable("api_keys").set(settingsColumns(patch)).where("id", "=", id).returning([...KEY_COLUMNS, "sha256"]).executeTakeFirst());
    if (!row) throw new NotFoundError(`no API key ${JSON.stringify(id)} in the database`);
    this.forget(row.id, row.sha256);
    return keyRecord(row);
  }

  /**
   * Revoke a key at `at` (default now; a rotation's grace period puts it in the future). A key already
   * revoked earlier keeps its earlier time. Effective on this node at once.
   */
  async revokeKey(id: string, at: Date = new Date(this.now())): Promise<KeyRecord> {
    const iso = at.toISOString();
    const row = await this.database.run((db) =>
      db
        .updateTable("api_keys")
        .set({ revoked_at: sql<string>`least(coalesce(revoked_at, ${iso}::timestamptz), ${iso}::timestamptz)` })
        .where("id", "=", id)
        .returning([...KEY_COLUMNS, "sha256"])
        .executeTakeFirst(),
    );
    if (!row) throw new NotFoundError(`no API key ${JSON.stringify(id)} in the database`);
    this.forget(row.id, row.sha256);
    return keyRecord(row);
  }

  /** A new key with the old one's tenant and settings; the old one is revoked now or after `graceSeconds`. */
  async rotateKey(id: string, graceSeconds: number): Promise<{ record: KeyRecord; key: string; old: KeyRecord }> {
    const old = await this.getKey(id);
    if (old.revokedAt && old.revokedAt.getTime() <= this.now()) throw new ConflictError(`API key ${id} is revoked; create a new key instead`);
    const created = await this.createKey({
      tenant: old.tenant,
      service: old.service,
      rotatedFrom: old.id,
      name: old.name,
      dailyUsd: old.budget.dailyUsd ?? null,
      monthlyUsd: old.budget.monthlyUsd ?? null,
      requestsPerMinute: old.requestsPerMinute ?? null,
    });
    const revoked = await this.revokeKey(id, new Date(this.now() + graceSeconds * 1000));
    return { ...created, old: revoked };
  }

  private forget(id: string, sha256: string): void {
    this.byHash.delete(sha256);
    this.byId.delete(id);
  }
}
