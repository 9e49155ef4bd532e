import type { Hono } from "hono";
import { z } from "zod";
import { parseSize } from "../../../../../src/core/sizes.js";
import { ApiError, badRequest, fromZod, notFound } from "../errors.js";
import { type Job, TERMINAL_STATUSES } from "../jobs/queue.js";
import { VideoCreateBodySchema, VideoRemixBodySchema } from "../schemas.js";
import { type AppEnv, type AppState, signedResult } from "../state.js";
import { blobToDataUrl, checkCursor, formBody, jsonBody, rootParam, withClientFields } from "./shared.js";
import { usageMeta } from "../usage/events.js";

const HANDLED = new Set(["prompt", "model", "seconds", "size", "input_reference"]);
const OPENAI_FIELD = new Map([
  ["durationSeconds", "seconds"],
  ["aspectRatio", "size"],
  ["resolution", "size"],
]);

function openAIVideoField(field: string): string | undefined {
  if (field === "imageList" || field.startsWith("imageList.")) return "input_reference";
  if (field.startsWith("extraParams.")) return field.slice("extraParams.".length);
  return OPENAI_FIELD.get(field);
}

/** OpenAI sizes → the library's aspect ratio and resolution tier, which every video provider understands. */
function fromSize(size: string): { aspectRatio: string; resolution: "480p" | "720p" | "1080p" } {
  const { width, height } = parseSize(size)!;
  const r = width / height;
  const aspectRatio = r > 1.2 ? "16:9" : r < 0.83 ? "9:16" : "1:1";
  const short = Math.min(width, height);
  return { aspectRatio, resolution: short >= 1000 ? "1080p" : short >= 700 ? "720p" : "480p" };
}

const unix = (iso: string | undefined) => (iso ? Math.floor(Date.parse(iso) / 1000) : null);

async function videoObject(state: AppState, job: Job): Promise<Record<string, unknown>> {
  const meta = job.meta ?? {};
  const result = (await signedResult(state, job)) as { video?: { durationSeconds?: number; width?: number; height?: number } } | null;
  const v = result?.video;
  const status = job.status === "queued" ? "queued" : job.status === "running" ? "in_progress" : job.status === "completed" ? "completed" : "failed";
  return {
    id: job.id,
    object: "video",
    model: (meta.model as string | undefined) ?? job.config.model ?? "",
    status,
    progress: job.status === "completed" ? 100 : Math.round(job.progress?.progressPercent ?? 0),
    created_at: unix(job.createdAt),
    completed_at: job.status === "completed" ? unix(job.finishedAt) : null,
    expires_at: job.finishedAt ? unix(job.finishedAt)! + state.config.queue.retentionSeconds : null,
    prompt: (job.request.prompt as string | undefined) ?? null,
    seconds: String((meta.seconds as string | undefined) ?? v?.durationSeconds ?? ""),
    size: (meta.size as string | undefined) ?? (v?.width && v.height ? `${v.width}x${v.height}` : ""),
    remixed_from_video_id: typeof meta.remixedFrom === "string" ? meta.remixedFrom : null,
    error: job.error ? { code: job.error.code ?? job.error.type, message: job.error.message } : null,
  };
}

/** OpenAI-videos-compatible jobs on the gateway's queue. */
export function videoRoutes(app: Hono<AppEnv>, state: AppState): void {
  app.post("/v1/videos", async (c) => {
    const multipart = /^multipart\/form-data/i.test(c.req.header("content-type") ?? "");
    let raw: Record<string, unknown>;
    if (multipart) {
      raw = await formBody(c, []);
      if (typeof raw["input_reference[image_url]"] === "string") {
        raw.input_reference = { image_url: raw["input_reference[image_url]"] };
        delete raw["input_reference[image_url]"];
      }
    } else {
      raw = await jsonBody(c, z.record(z.string(), z.unknown()), state.config.limits);
    }
    const parsed = VideoCreateBodySchema.safeParse(raw);
    if (!parsed.success) throw rootParam(fromZod(parsed.error), ["input_reference"]);
    const body = parsed.data;
    const extra = Object.fromEntries(Object.entries(body).filter(([k, v]) => !HANDLED.has(k) && v !== undefined));
    const ref = body.input_reference;
    const image = ref === undefined ? undefined : ref instanceof Blob ? await blobToDataUrl(ref) : ref.image_url;
    const request: Record<string, unknown> = {
      prompt: body.prompt,
      ...(body.seconds !== undefined ? { durationSeconds: Number(body.seconds) } : {}),
      ...(body.size ? fromSize(body.size) : {}),
      ...(image ? { imageList: [{ image, type: "first_frame" }] } : {}),
      ...(Object.keys(extra).length ? { extraParams: extra } : {}),
    };
    const config = state.router.resolve(body.model, "video");
    // Name the field the client wrote, not the library's.
    await withClientFields(openAIVideoField, () => state.gateway.validateRequest(config, request as never, "video"));
    const job = await state.queue.enqueue({
      tenant: c.get("principal").tenant,
      kind: "video",
      config,
      request,
      meta: {
        api: "openai",
        model: body.model ?? config.model,
        seconds: body.seconds === undefined ? undefined : String(body.seconds),
        size: body.size,
        ...usageMeta(c.get("principal").keyId, state.router.routeName(body.model, "video")),
      },
    });
    return c.json(await videoObject(state, job));
  });

  app.get("/v1/videos", async (c) => {
    const rawLimit = c.req.query("limit");
    const limit = rawLimit === undefined ? 20 : Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw badRequest("limit must be an integer from 1 to 100", "limit");
    await checkCursor(state, c.get("principal").tenant, c.req.query("after"), "video");
    const jobs = await state.queue.list(c.get("principal").tenant, { kind: "video", limit: limit + 1, after: c.req.query("after") });
    const page = jobs.slice(0, limit);
    const data = await Promise.all(page.map((j) => videoObject(state, j)));
    return c.json({ object: "list", data, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null, has_more: jobs.length > limit });
  });

  app.get("/v1/videos/:id", async (c) => {
    const job = await state.queue.get(c.req.param("id"), c.get("principal").tenant);
    if (!job || job.kind !== "video") throw notFound("video");
    if (job.result?.isMock === true) c.header("x-tarash-mock", "true");
    return c.json(await videoObject(state, job));
  });

  // Cancels a job still running, then forgets it and its stored outputs (OpenAI: "permanently delete").
  app.delete("/v1/videos/:id", async (c) => {
    const tenant = c.get("principal").tenant;
    const id = c.req.param("id");
    let job = await state.queue.get(id, tenant);
    if (!job || job.kind !== "video") throw notFound("video");
    if (!TERMINAL_STATUSES.has(job.status)) job = (await state.queue.cancel(id, tenant, "deleted by the client")) ?? job;
    if (!TERMINAL_STATUSES.has(job.status)) {
      throw new ApiError(409, "the video is still being cancelled; retry the delete shortly", { code: "video_cancelling", headers: { "Retry-After": "1" } });
    }
    const keys = (job.outputs ?? []).flatMap((o) => (o ? [o.key] : []));
    // Through the asset library where there is one, so its rows go with the objects (GET /v1/assets).
    if (state.assets) await state.assets.discard(keys);
    else await Promise.all(keys.map((key) => state.storage.delete(key)));
    if (!(await state.queue.remove(id, tenant))) throw notFound("video");
    return c.json({ id, object: "video.deleted", deleted: true });
  });

  app.post("/v1/videos/:id/remix", async (c) => {
    const principal = c.get("principal");
    const parsed = VideoRemixBodySchema.safeParse(await jsonBody(c, z.record(z.string(), z.unknown()), state.config.limits));
    if (!parsed.success) throw fromZod(parsed.error);
    const original = await state.queue.get(c.req.param("id"), principal.tenant);
    if (!original || original.kind !== "video") throw notFound("video");
    if (original.status !== "completed") {
      throw new ApiError(409, `only a completed video can be remixed; video ${original.id} is ${original.status}`, { code: "video_not_completed" });
    }
    const request = { ...original.request, prompt: parsed.data.prompt };
    await withClientFields(openAIVideoField, () => state.gateway.validateRequest(original.config, request as never, "video"));
    const meta = original.meta ?? {};
    const route = typeof meta.usageRoute === "string" ? meta.usageRoute : undefined;
    const job = await state.queue.enqueue({
      tenant: principal.tenant,
      kind: "video",
      config: original.config,
      request,
      meta: {
        api: "openai",
        model: meta.model,
        seconds: meta.seconds,
        size: meta.size,
        remixedFrom: original.id,
        ...usageMeta(principal.keyId, route),
      },
    });
    return c.json(await videoObject(state, job));
  });

  app.get("/v1/videos/:id/content", async (c) => {
    const job = await state.queue.get(c.req.param("id"), c.get("principal").tenant);
    if (!job || job.kind !== "video") throw notFound("video");
    const variant = c.req.query("variant") ?? "video";
    if (variant !== "video") throw badRequest(`variant ${JSON.stringify(variant)} is not available; only "video"`, "variant");
    if (job.status !== "completed") throw new ApiError(409, `the video is ${job.status}, not completed`, { code: "video_not_ready" });
    const key = job.outputs?.[0]?.key;
    const object = key ? await state.storage.get(key) : undefined;
    if (!object) throw notFound("video content");
    return new Response(object.body, { headers: { "content-type": object.mediaType, "content-length": String(object.size) } });
  });
}
