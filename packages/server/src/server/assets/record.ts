import { randomUUID } from "node:crypto";
import type { ImageGenerationResponse, MediaKind, VideoGenerationResponse } from "../../../../../src/core/types.js";
import { assetIdOfKey } from "../storage/storage.js";
import type { NewAsset } from "./store.js";

/** Who asked and in what context: the generation's target, as the generator has it. */
export interface AssetOwner {
  tenant: string;
  keyId?: string | undefined;
  jobId?: string | undefined;
  /** Settings to record instead of the library request's (the storage-backend route records its `settings.image`). */
  settings?: Record<string, unknown> | undefined;
}

/** The stored outputs of a generation, aligned with its images / videos. */
export interface StoredOutputRef {
  key: string;
  mediaType: string;
  size: number;
}

/** Request fields that carry media (inputs, not settings): left out of the recorded settings. */
const MEDIA_FIELDS = new Set(["prompt", "imageList", "maskImage", "video", "image", "mask"]);
const MAX_SETTINGS_CHARS = 16 * 1024;
const MAX_STRING_CHARS = 2_000;
const MAX_ITEMS = 50;
const MAX_DEPTH = 6;

/**
 * A request's settings as a bounded JSON value: media inputs and data: URLs left out (a reference image
 * is not a setting, and megabytes of base64 do not belong in a row), strings, arrays and depth capped.
 */
export function recordedSettings(request: Record<string, unknown>): Record<string, unknown> {
  const clean = (value: unknown, depth: number): unknown => {
    if (typeof value === "string") {
      if (/^data:/i.test(value)) return undefined;
      return value.length > MAX_STRING_CHARS ? value.slice(0, MAX_STRING_CHARS) : value;
    }
    if (typeof value === "number" || typeof value === "boolean" || value === null) return value;
    if (depth >= MAX_DEPTH || typeof value !== "object" || value instanceof Uint8Array || value instanceof Blob) return undefined;
    if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map((v) => clean(v, depth + 1) ?? null);
    const out = new Map<string, unknown>();
    for (const [k, v] of Object.entries(value as Record<string, unknown>).slice(0, MAX_ITEMS)) {
      if (depth === 0 && MEDIA_FIELDS.has(k)) continue;
      const c = clean(v, depth + 1);
      if (c !== undefined) out.set(k, c);
    }
    return Object.fromEntries(out);
  };
  const settings = (clean(request, 0) ?? {}) as Record<string, unknown>;
  if (JSON.stringify(settings).length <= MAX_SETTINGS_CHARS) return settings;
  // Provider pass-through fields are what grows without bound; the named settings stay.
  const { extraParams: _dropped, ...named } = settings;
  return JSON.stringify(named).length <= MAX_SETTINGS_CHARS ? { ...named, extraParams_omitted: true } : { omitted: true };
}

/**
 * The asset rows of a finished generation: one per stored output. A generation's cost is shared evenly
 * between its outputs, so a tenant's assets sum to what it paid.
 */
export function assetRows(
  kind: MediaKind,
  owner: AssetOwner,
  request: Record<string, unknown>,
  response: ImageGenerationResponse | VideoGenerationResponse,
  outputs: readonly (StoredOutputRef | undefined)[],
  now: Date = new Date(),
): NewAsset[] {
  const media: { width?: number | undefined; height?: number | undefined; durationSeconds?: number | undefined }[] =
    "images" in response ? response.images : response.videos;
  const stored = outputs.filter((o): o is StoredOutputRef => o !== undefined).length;
  if (stored === 0) return [];
  const share = response.cost ? response.cost.amountUsd / media.length : undefined;
  const settings = recordedSettings(owner.settings ?? request);
  const prompt = typeof request.prompt === "string" ? request.prompt : undefined;
  const rows: NewAsset[] = [];
  outputs.forEach((out, i) => {
    if (!out) return;
    const item = media[i];
    rows.push({
      id: assetIdOfKey(out.key) ?? randomUUID(),
      createdAt: now,
      tenant: owner.tenant,
      keyId: owner.keyId,
      kind,
      prompt,
      provider: response.provider,
      model: response.model,
      settings,
      storageKey: out.key,
      mediaType: out.mediaType,
      bytes: out.size,
      width: item?.width,
      height: item?.height,
      durationSeconds: kind === "video" ? item?.durationSeconds : undefined,
      costUsd: share,
      jobId: owner.jobId,
      requestId: response.requestId,
      isMock: response.isMock === true,
    });
  });
  return rows;
}
