import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, opendir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { randomUUID } from "node:crypto";
import { StorageBackendError } from "./errors.js";
import type { UrlSigner } from "./signing.js";
import { type ListedObject, type Storage, type StoredObject, mediaTypeOfKey } from "./storage.js";

export interface LocalStorageOptions {
  /** Root directory; created on first write. */
  dir: string;
  signer: UrlSigner;
  /** Origin of this gateway (it may only be known after listen), e.g. http://127.0.0.1:8787 */
  baseUrl: () => string;
  defaultTtlSeconds: number;
}

/**
 * A failed write as a typed storage outage: the errno code says what happened (ENOSPC, EACCES, EROFS,
 * EIO...); the path stays out of the message (it goes nowhere a client sees).
 */
function diskError(error: unknown): StorageBackendError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? "EIO";
  return new StorageBackendError(`local storage: writing the output file failed (${code})`, "local", true, { code, cause: error });
}

/**
 * Files under a directory, served back by the gateway at `GET /files/{key}?expires=&sig=`. Writes go to
 * a temporary file first and are renamed into place, so a reader never sees half a file.
 */
export class LocalStorage implements Storage {
  readonly kind = "local";
  private readonly root: string;

  constructor(private readonly options: LocalStorageOptions) {
    this.root = resolve(options.dir);
  }

  private pathOf(key: string): string {
    const full = resolve(this.root, key);
    if (!full.startsWith(this.root + sep) || key.includes("\0")) throw new Error("storage key escapes the storage root");
    return full;
  }

  async put(key: string, body: Uint8Array | ReadableStream<Uint8Array>, _meta: { mediaType: string }): Promise<{ key: string; size: number }> {
    const target = this.pathOf(key);
    const tmp = join(dirname(target), `.${randomUUID()}.part`);
    let sourceFailed: { error: unknown } | undefined;
    try {
      await mkdir(dirname(target), { recursive: true });
      if (body instanceof Uint8Array) await writeFile(tmp, body);
      else {
        const source = Readable.fromWeb(body as NodeReadableStream<Uint8Array>);
        source.once("error", (error) => (sourceFailed = { error }));
        await pipeline(source, createWriteStream(tmp));
      }
      await rename(tmp, target);
      return { key, size: (await stat(target)).size };
    } catch (error) {
      await rm(tmp, { force: true }).catch(() => undefined);
      // A failing source (download cap, aborted provider fetch) is the caller's error, not the disk's.
      if (sourceFailed) throw sourceFailed.error;
      throw diskError(error);
    }
  }

  async get(key: string): Promise<StoredObject | undefined> {
    let path: string;
    try {
      path = this.pathOf(key);
    } catch {
      return undefined;
    }
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const body = Readable.toWeb(createReadStream(path)) as unknown as ReadableStream<Uint8Array>;
    return { body, size: info.size, mediaType: mediaTypeOfKey(key) };
  }

  async url(key: string, options: { expiresInSeconds?: number | undefined } = {}): Promise<string> {
    const expires = Math.floor(Date.now() / 1000) + (options.expiresInSeconds ?? this.options.defaultTtlSeconds);
    const path = key.split("/").map(encodeURIComponent).join("/");
    return `${this.options.baseUrl()}/files/${path}?expires=${expires}&sig=${this.options.signer.sign(key, expires)}`;
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  /**
   * Files under `prefix`, walked with opendir (entries arrive a few at a time, never a whole directory
   * in memory). Dot files are skipped: they are writes in progress (`.uuid.part`) and health probes.
   */
  async *list(prefix: string): AsyncIterable<ListedObject> {
    const base = prefix.replace(/\/+$/, "");
    let start: string;
    try {
      start = base ? this.pathOf(base) : this.root;
    } catch {
      return;
    }
    yield* this.walk(start, base);
  }

  private async *walk(dir: string, keyPrefix: string): AsyncIterable<ListedObject> {
    let handle;
    try {
      handle = await opendir(dir, { bufferSize: 64 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR") return;
      throw diskError(error);
    }
    // The for-await closes the directory handle when it ends or the consumer stops early.
    for await (const entry of handle) {
      if (entry.name.startsWith(".")) continue;
      const key = keyPrefix ? `${keyPrefix}/${entry.name}` : entry.name;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) yield* this.walk(path, key);
      else if (entry.isFile()) {
        const info = await stat(path).catch(() => undefined);
        // Removed between the listing and the stat: gone already.
        if (info) yield { key, size: info.size, lastModified: info.mtime };
      }
    }
  }

  async health(): Promise<{ ok: boolean; detail?: string | undefined }> {
    try {
      await mkdir(this.root, { recursive: true });
      const probe = join(this.root, `.health-${randomUUID()}`);
      await writeFile(probe, "ok");
      await rm(probe, { force: true });
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: `cannot write to the storage directory: ${(error as NodeJS.ErrnoException).code ?? "error"}` };
    }
  }
}
