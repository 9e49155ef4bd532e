import { randomUUID } from "node:crypto";
import { extensionFor } from "../../../../../src/core/media/sniff.js";
import type { MediaKind } from "../../../../../src/core/types.js";

/**
 * Where the gateway keeps generated media. Keys are tenant-scoped paths
 * (`customers/{tenant}/assets/{image|video}/{uuid}.{ext}`); an implementation stores bytes under a key,
 * streams them back and hands out an expiring URL for them. The local filesystem is built in; an S3
 * implementation plugs in behind the same interface (`url()` would return a presigned GET URL).
 */
export interface Storage {
  /** Short name for health reports and logs, e.g. `local` or `s3`. */
  readonly kind: string;
  /** Store an object. A stream is consumed as it arrives (never buffered whole). */
  put(key: string, body: Uint8Array | ReadableStream<Uint8Array>, meta: { mediaType: string }): Promise<{ key: string; size: number }>;
  /** Open an object for reading, or undefined when there is none. */
  get(key: string): Promise<StoredObject | undefined>;
  /** A URL that fetches the object until it expires. */
  url(key: string, options?: { expiresInSeconds?: number | undefined }): Promise<string>;
  /** Remove an object; missing objects are not an error. */
  delete(key: string): Promise<void>;
  /** Whether the backend is usable right now (for /healthz). */
  health(): Promise<{ ok: boolean; detail?: string | undefined }>;
  /**
   * Every object whose key starts with `prefix`, fetched lazily page by page (the asset sweeper pulls
   * a bounded batch at a time). Optional: a store without it is never swept.
   */
  list?(prefix: string): AsyncIterable<ListedObject>;
}

export interface ListedObject {
  key: string;
  size: number;
  lastModified: Date;
}

export interface StoredObject {
  body: ReadableStream<Uint8Array>;
  size: number;
  mediaType: string;
}

const TENANT = /^[A-Za-z0-9._-]{1,128}$/;

/** Tenant ids end up in storage paths; only safe segments are accepted. */
export function isValidTenant(tenant: string): boolean {
  return TENANT.test(tenant) && tenant !== "." && tenant !== "..";
}

/** A fresh key for a generated asset of one tenant. */
export function assetKey(tenant: string, kind: MediaKind, mediaType: string): string {
  if (!isValidTenant(tenant)) throw new Error("invalid tenant id for a storage key");
  return `customers/${tenant}/assets/${kind}/${randomUUID()}.${extensionFor(mediaType)}`;
}

const KEY = /^customers\/([A-Za-z0-9._-]{1,128})\/assets\/(image|video)\/[A-Za-z0-9-]{1,64}\.[a-z0-9]{1,8}$/;

/** The uuid of an asset key's file name (the asset's id), or undefined when the key is not one. */
export function assetIdOfKey(key: string): string | undefined {
  if (!KEY.test(key)) return undefined;
  const m = /\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.[a-z0-9]+$/.exec(key);
  return m?.[1];
}

/** The tenant a key belongs to, or undefined when the key is not a well-formed asset key. */
export function tenantOfKey(key: string): string | undefined {
  const m = KEY.exec(key);
  return m && isValidTenant(m[1]!) ? m[1] : undefined;
}

const TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
  avif: "image/avif",
  mp4: "video/mp4",
  webm: "video/webm",
  mov: "video/quicktime",
};

export function mediaTypeOfKey(key: string): string {
  const ext = /\.([a-z0-9]+)$/.exec(key)?.[1] ?? "";
  return TYPES[ext] ?? "application/octet-stream";
}
