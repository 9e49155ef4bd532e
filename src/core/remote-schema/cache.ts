import { sha256Hex } from "../digest.js";

/**
 * Where published model schemas are kept once fetched: in memory (bounded by entry count, each with a
 * TTL), and optionally on disk (the gateway's data dir) so a restart does not refetch every schema.
 * A failed fetch is remembered for a short while too, so a provider whose schema endpoint is down
 * costs one bounded fetch per minute, not one per generation. Concurrent first uses share one fetch.
 */

export interface RemoteSchemaCacheOptions {
  /** Entries kept in memory (least recently used go first). Default 256. */
  maxEntries?: number | undefined;
  /** How long a schema is trusted in memory. Default 1 hour. */
  ttlMs?: number | undefined;
  /** How long a failed fetch is remembered. Default 60 s. */
  failureTtlMs?: number | undefined;
  /** A directory for the disk cache; none means memory only. */
  dir?: string | undefined;
  /** How long a schema on disk is trusted. Default 24 hours. */
  diskTtlMs?: number | undefined;
  /** Largest document read from disk (fetches have their own cap). Default 2 MB. */
  maxBytes?: number | undefined;
  /** Bound on one schema fetch (connect, headers and body). Default 8 s. */
  fetchTimeoutMs?: number | undefined;
  /** Clock, for tests. */
  now?: (() => number) | undefined;
}

type Entry = { ok: true; value: unknown; expires: number } | { ok: false; error: unknown; expires: number };

interface DiskRecord {
  key: string;
  storedAt: number;
  document: unknown;
}

export const DEFAULT_SCHEMA_TTL_MS = 60 * 60_000;
export const DEFAULT_SCHEMA_DISK_TTL_MS = 24 * 60 * 60_000;
export const DEFAULT_SCHEMA_MAX_BYTES = 2 * 1024 * 1024;

export class RemoteSchemaCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly failureTtlMs: number;
  private readonly diskTtlMs: number;
  readonly maxBytes: number;
  readonly dir: string | undefined;
  readonly fetchTimeoutMs: number;
  private readonly now: () => number;

  constructor(options: RemoteSchemaCacheOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 256);
    this.ttlMs = options.ttlMs ?? DEFAULT_SCHEMA_TTL_MS;
    this.failureTtlMs = options.failureTtlMs ?? 60_000;
    this.diskTtlMs = options.diskTtlMs ?? DEFAULT_SCHEMA_DISK_TTL_MS;
    this.maxBytes = options.maxBytes ?? DEFAULT_SCHEMA_MAX_BYTES;
    this.dir = options.dir;
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? 8_000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The compiled schema for `key`: from memory, else from disk, else `load()` (a fetch) and then
   * `compile`. Only documents that compile are cached; a failure is rethrown for `failureTtlMs`.
   */
  async get<T>(key: string, load: () => Promise<unknown>, compile: (document: unknown) => T): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && hit.expires > this.now()) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      if (!hit.ok) throw hit.error;
      return hit.value as T;
    }
    if (hit) this.entries.delete(key);
    const running = this.inflight.get(key);
    if (running) return running as Promise<T>;
    const work = this.fill(key, load, compile).finally(() => this.inflight.delete(key));
    this.inflight.set(key, work);
    return work;
  }

  private async fill<T>(key: string, load: () => Promise<unknown>, compile: (document: unknown) => T): Promise<T> {
    const fromDisk = await this.readDisk(key);
    if (fromDisk !== undefined) {
      try {
        const value = compile(fromDisk);
        this.remember(key, { ok: true, value, expires: this.now() + this.ttlMs });
        return value;
      } catch {
        // A stale or damaged file is simply refetched.
      }
    }
    let value: T;
    let document: unknown;
    try {
      document = await load();
      value = compile(document);
    } catch (error) {
      this.remember(key, { ok: false, error, expires: this.now() + this.failureTtlMs });
      throw error;
    }
    this.remember(key, { ok: true, value, expires: this.now() + this.ttlMs });
    await this.writeDisk(key, document);
    return value;
  }

  /** Forget a key (a schema that turned out wrong for the model). */
  delete(key: string): void {
    this.entries.delete(key);
  }

  private remember(key: string, entry: Entry): void {
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  /** The disk cache's file for a key; node:fs and node:path load only when a cache directory is configured. */
  private async file(key: string): Promise<string | undefined> {
    if (!this.dir) return undefined;
    const { join } = await import("node:path");
    return join(this.dir, `${(await sha256Hex(key)).slice(0, 40)}.json`);
  }

  private async readDisk(key: string): Promise<unknown> {
    const file = await this.file(key);
    if (!file) return undefined;
    try {
      const { readFile, stat } = await import("node:fs/promises");
      const info = await stat(file);
      if (!info.isFile() || info.size > this.maxBytes + 4096) return undefined;
      const record = JSON.parse(await readFile(file, "utf8")) as Partial<DiskRecord>;
      if (record.key !== key || typeof record.storedAt !== "number") return undefined;
      if (record.storedAt + this.diskTtlMs <= this.now() || record.storedAt > this.now() + 60_000) return undefined;
      return record.document;
    } catch {
      return undefined;
    }
  }

  private async writeDisk(key: string, document: unknown): Promise<void> {
    const file = await this.file(key);
    if (!file || !this.dir) return;
    try {
      const { mkdir, rename, writeFile } = await import("node:fs/promises");
      const text = JSON.stringify({ key, storedAt: this.now(), document } satisfies DiskRecord);
      if (text.length > this.maxBytes) return;
      await mkdir(this.dir, { recursive: true });
      const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      await writeFile(tmp, text, { mode: 0o600 });
      await rename(tmp, file);
    } catch {
      // The disk cache is an optimisation: a read-only or full disk must not fail a generation.
    }
  }
}
