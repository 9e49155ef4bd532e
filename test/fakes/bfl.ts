import { randomUUID } from "node:crypto";
import sharp from "sharp";
import { type FakeResponse, type FakeServer, type RecordedRequest, ONE_PIXEL_PNG, startFakeServer } from "../helpers/fake-server.js";

/**
 * A strict fake of the BFL API: `POST /v1/{model}` with JSON and `x-key` (anything else is BFL's 403
 * or FastAPI's 422), only each model's documented fields (`extra_forbidden` 422 naming the field),
 * sides on the model's grid, then `GET /v1/get_result?id=` walking a status plan, and a delivery URL
 * that serves the sample without auth.
 *
 * Prompt triggers: "moderate-request" → Request Moderated, "moderate-content" → Content Moderated,
 * "explode" → Error.
 */

export interface BflStep {
  status: string;
  progress?: number | null;
  details?: Record<string, unknown> | null;
}

interface ModelSpec {
  fields: string[];
  grid?: { multiple: number; min: number; max: number };
  formats: string[];
  /** Credits the submit response reports, per megapixel of output. */
  creditsPerMp?: number;
  promptRequired: boolean;
}

const WEBHOOK = ["webhook_url", "webhook_secret"];
const COMMON = ["prompt", "seed", "safety_tolerance", "output_format", "prompt_upsampling", ...WEBHOOK];
const inputs = (n: number) => ["input_image", ...Array.from({ length: n - 1 }, (_, i) => `input_image_${i + 2}`)];
const FLUX1_GRID = { multiple: 32, min: 256, max: 1440 };
const FLUX2_GRID = { multiple: 16, min: 64, max: 4096 };

const MODELS: Record<string, ModelSpec> = {
  "flux-pro-1.1": { fields: [...COMMON, "width", "height", "image_prompt"], grid: FLUX1_GRID, formats: ["jpeg", "png"], promptRequired: true },
  "flux-pro-1.1-ultra": { fields: [...COMMON, "aspect_ratio", "raw", "image_prompt", "image_prompt_strength"], formats: ["jpeg", "png", "webp"], promptRequired: true },
  "flux-pro": { fields: [...COMMON, "width", "height", "image_prompt", "steps", "guidance", "interval"], grid: FLUX1_GRID, formats: ["jpeg", "png"], promptRequired: true },
  "flux-dev": { fields: [...COMMON, "width", "height", "image_prompt", "steps", "guidance"], grid: FLUX1_GRID, formats: ["jpeg", "png"], promptRequired: true },
  "flux-kontext-pro": { fields: [...COMMON, "aspect_ratio", ...inputs(4)], formats: ["jpeg", "png"], promptRequired: true },
  "flux-kontext-max": { fields: [...COMMON, "aspect_ratio", ...inputs(4)], formats: ["jpeg", "png"], promptRequired: true },
  "flux-pro-1.0-fill": { fields: [...COMMON, "image", "mask", "steps", "guidance"], formats: ["jpeg", "png"], promptRequired: false },
  "flux-2-pro": { fields: [...COMMON, "width", "height", ...inputs(8)], grid: FLUX2_GRID, formats: ["jpeg", "png"], creditsPerMp: 3, promptRequired: true },
  "flux-2-max": { fields: [...COMMON, "width", "height", ...inputs(8)], grid: FLUX2_GRID, formats: ["jpeg", "png"], creditsPerMp: 7, promptRequired: true },
  // A model id newer than the adapter's catalog, to exercise generic mapping.
  "flux-2-turbo": { fields: [...COMMON, "width", "height", ...inputs(8)], grid: FLUX2_GRID, formats: ["jpeg", "png"], creditsPerMp: 2, promptRequired: true },
  "flux-2-flex": { fields: [...COMMON, "width", "height", "steps", "guidance", ...inputs(8)], grid: FLUX2_GRID, formats: ["jpeg", "png"], creditsPerMp: 6, promptRequired: true },
};

export interface BflFake extends FakeServer {
  key: string;
  /** The status sequence a new task walks through (the last one repeats). */
  plan: (model: string, body: Record<string, unknown>) => BflStep[];
  /** Tasks by id, with the body they were created from. */
  tasks: Map<string, { model: string; body: Record<string, unknown>; steps: BflStep[]; polls: number; finishAt?: number }>;
  /** Time-based tasks (bench/time-to-result): each new task is Ready this many ms after submit, Pending before. */
  completeAfterMs?: (() => number) | undefined;
}

const invalid = (loc: (string | number)[], msg: string, type: string, input?: unknown): FakeResponse => ({
  status: 422,
  json: { detail: [{ type, loc: ["body", ...loc], msg, input }] },
});

export const DEFAULT_PLAN: BflStep[] = [{ status: "Pending", progress: null }, { status: "Pending", progress: 0.5 }, { status: "Ready" }];

function planFor(body: Record<string, unknown>): BflStep[] | undefined {
  const prompt = String(body.prompt ?? "");
  if (/moderate-request/.test(prompt)) return [{ status: "Request Moderated", details: { "Moderation Reasons": ["Derivative Works Filter"] } }];
  if (/moderate-content/.test(prompt)) return [{ status: "Pending", progress: 0.9 }, { status: "Content Moderated", details: { "Moderation Reasons": ["NSFW"] } }];
  if (/explode/.test(prompt)) return [{ status: "Pending", progress: null }, { status: "Error", details: { message: "internal error" } }];
  return undefined;
}

let samples: Promise<Record<string, Buffer>> | undefined;
function sampleBytes(): Promise<Record<string, Buffer>> {
  samples ??= (async () => {
    const base = sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 10, g: 120, b: 200 } } });
    return { jpeg: await base.clone().jpeg().toBuffer(), png: ONE_PIXEL_PNG, webp: await base.clone().webp().toBuffer() };
  })();
  return samples;
}

function authError(req: RecordedRequest, key: string): FakeResponse | undefined {
  if (req.headers["x-key"] !== key) return { status: 403, json: { detail: "Not authenticated - Invalid Authentication" } };
  return undefined;
}

function validate(spec: ModelSpec, body: Record<string, unknown>): FakeResponse | undefined {
  for (const [k, v] of Object.entries(body)) {
    if (!spec.fields.includes(k)) return invalid([k], "Extra inputs are not permitted", "extra_forbidden", v);
  }
  if (spec.promptRequired && (typeof body.prompt !== "string" || body.prompt === "")) return invalid(["prompt"], "Field required", "missing");
  for (const side of ["width", "height"] as const) {
    const v = body[side];
    if (v === undefined || !spec.grid) continue;
    if (typeof v !== "number" || !Number.isInteger(v)) return invalid([side], "Input should be a valid integer", "int_type", v);
    const { multiple, min, max } = spec.grid;
    if (v % multiple !== 0) return invalid([side], `Input should be a multiple of ${multiple}`, "multiple_of", v);
    if (v < min || v > max) return invalid([side], `Input should be between ${min} and ${max}`, "less_than_equal", v);
  }
  const ratio = body.aspect_ratio;
  if (ratio !== undefined) {
    const m = typeof ratio === "string" ? /^(\d+):(\d+)$/.exec(ratio) : null;
    const r = m ? Number(m[1]) / Number(m[2]) : NaN;
    if (!m || r > 21 / 9 + 1e-9 || r < 9 / 21 - 1e-9) return invalid(["aspect_ratio"], "Aspect ratio must be between 21:9 and 9:21", "value_error", ratio);
  }
  if (body.output_format !== undefined && !spec.formats.includes(String(body.output_format))) {
    return invalid(["output_format"], `Input should be ${spec.formats.map((f) => `'${f}'`).join(" or ")}`, "enum", body.output_format);
  }
  const tol = body.safety_tolerance;
  if (tol !== undefined && (typeof tol !== "number" || !Number.isInteger(tol) || tol < 0 || tol > 6)) {
    return invalid(["safety_tolerance"], "Input should be less than or equal to 6", "less_than_equal", tol);
  }
  for (const k of ["seed", "prompt_upsampling", "raw"] as const) {
    const v = body[k];
    if (v === undefined) continue;
    if (k === "seed" ? typeof v !== "number" : typeof v !== "boolean") return invalid([k], k === "seed" ? "Input should be a valid integer" : "Input should be a valid boolean", k === "seed" ? "int_type" : "bool_type", v);
  }
  return undefined;
}

export async function startBflFake(key = "test-key-1234567890"): Promise<BflFake> {
  const server = await startFakeServer();
  const fake = Object.assign(server, { key, plan: () => DEFAULT_PLAN, tasks: new Map() }) as BflFake;

  server.route("POST", "/v1/:model", (req) => {
    const denied = authError(req, fake.key);
    if (denied) return denied;
    const model = req.params.model ?? "";
    const spec = MODELS[model];
    if (!spec) return { status: 404, json: { detail: "Not Found" } };
    if (req.contentType !== "application/json" || req.json === null || typeof req.json !== "object" || Array.isArray(req.json)) {
      return { status: 422, json: { detail: [{ type: "model_attributes_type", loc: ["body"], msg: "Input should be a valid dictionary or object to extract fields from", input: req.text.slice(0, 100) }] } };
    }
    const body = req.json as Record<string, unknown>;
    const bad = validate(spec, body);
    if (bad) return bad;
    const id = randomUUID();
    const after = fake.completeAfterMs?.();
    fake.tasks.set(id, { model, body, steps: planFor(body) ?? fake.plan(model, body), polls: 0, ...(after !== undefined ? { finishAt: Date.now() + after } : {}) });
    const mp = typeof body.width === "number" && typeof body.height === "number" ? (body.width * body.height) / 1e6 : 1.05;
    return {
      json: {
        id,
        polling_url: `${fake.url}/v1/get_result?id=${id}`,
        ...(spec.creditsPerMp !== undefined ? { cost: Math.round(spec.creditsPerMp * Math.max(1, mp) * 100) / 100, input_mp: 0, output_mp: Math.round(mp * 100) / 100 } : {}),
      },
    };
  });

  server.route("GET", "/v1/get_result", (req) => {
    const denied = authError(req, fake.key);
    if (denied) return denied;
    const id = req.query.get("id") ?? "";
    const task = fake.tasks.get(id);
    if (!task) return { json: { id, status: "Task not found", result: null, progress: null, details: null } };
    const step =
      task.finishAt !== undefined
        ? Date.now() >= task.finishAt
          ? task.steps.at(-1)!
          : { status: "Pending", progress: null }
        : task.steps[Math.min(task.polls, task.steps.length - 1)]!;
    task.polls++;
    if (step.status !== "Ready") return { json: { id, status: step.status, result: null, progress: step.progress ?? null, details: step.details ?? null } };
    const format = String(task.body.output_format ?? "jpeg");
    const prompt = String(task.body.prompt ?? "");
    return {
      json: {
        id,
        status: "Ready",
        result: {
          sample: `${fake.url}/delivery/${id}/sample.${format}?se=2026-01-01T00%3A10%3A00Z&sig=abc123signature`,
          prompt: task.body.prompt_upsampling === true ? `${prompt}, cinematic lighting, highly detailed` : prompt,
          seed: typeof task.body.seed === "number" ? task.body.seed : 1234567890,
          start_time: 1712345678.1,
          end_time: 1712345690.4,
          duration: 12.3,
        },
        progress: null,
        details: null,
      },
    };
  });

  server.route("GET", "/delivery/:id/:file", async (req) => {
    if (!fake.tasks.has(req.params.id ?? "")) return { status: 404, body: "BlobNotFound" };
    const ext = (req.params.file ?? "").split(".").pop() ?? "jpeg";
    const bytes = (await sampleBytes())[ext] ?? ONE_PIXEL_PNG;
    return { headers: { "content-type": `image/${ext}` }, body: bytes };
  });
  return fake;
}
