import { z } from "zod";

/** What `GET /v1/assets/{id}` answers (and each item of the list); documents the API, see ./view.ts. */
export const AssetSchema = z
  .object({
    id: z.string().meta({ description: "The asset id: the uuid of its storage key customers/{tenant}/assets/{kind}/{id}.{ext}." }),
    object: z.literal("asset"),
    tenant: z.string(),
    kind: z.enum(["image", "video"]),
    provider: z.string(),
    model: z.string(),
    prompt: z.string().nullable(),
    url: z.string().meta({ description: "A freshly signed URL of the stored object (a presigned S3 URL, or /files/... on local storage)." }),
    media_type: z.string(),
    bytes: z.number().int(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    duration_seconds: z.number().nullable(),
    cost_usd: z.number().nullable().meta({ description: "This output's share of its generation's cost." }),
    job_id: z.string().nullable().meta({ description: "The job that produced it, for /v1/jobs and /v1/videos outputs." }),
    created_at: z.string().meta({ description: "ISO 8601." }),
  })
  .meta({ id: "Asset" });

export const AssetListSchema = z
  .object({
    object: z.literal("list"),
    data: z.array(AssetSchema),
    next_cursor: z.string().nullable().meta({ description: "Pass as `cursor` for the next page; null on the last page." }),
  })
  .meta({ id: "AssetList" });
