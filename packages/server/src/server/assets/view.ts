import type { Storage } from "../storage/storage.js";
import type { AssetRow } from "./store.js";

/** An asset as the API shows it; `url` is signed afresh on every read. */
export interface AssetView {
  id: string;
  object: "asset";
  tenant: string;
  kind: "image" | "video";
  provider: string;
  model: string;
  prompt: string | null;
  url: string;
  media_type: string;
  bytes: number;
  width: number | null;
  height: number | null;
  duration_seconds: number | null;
  cost_usd: number | null;
  job_id: string | null;
  created_at: string;
}

export async function assetView(storage: Storage, row: AssetRow): Promise<AssetView> {
  return {
    id: row.id,
    object: "asset",
    tenant: row.tenant,
    kind: row.kind,
    provider: row.provider,
    model: row.model,
    prompt: row.prompt,
    url: await storage.url(row.storage_key),
    media_type: row.media_type,
    bytes: Number(row.bytes),
    width: row.width,
    height: row.height,
    duration_seconds: row.duration_seconds,
    cost_usd: row.cost_usd,
    job_id: row.job_id,
    created_at: row.created_at.toISOString(),
  };
}
