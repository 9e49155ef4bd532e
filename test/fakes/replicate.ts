import { randomBytes } from "node:crypto";
import { type FakeResponse, type FakeServer, type RecordedRequest, startFakeServer } from "../helpers/fake-server.js";

/**
 * A strict fake of Replicate's predictions API under `/v1`: problem+json errors, per-model input
 * schemas (unknown or invalid inputs → 422 with `invalid_fields`), official-model and
 * version-pinned create, `Prefer: wait`, scripted prediction lifecycles, and cancel.
 */

type FieldType = "string" | "integer" | "number" | "boolean" | "file" | "files";
interface FieldSpec {
  type: FieldType;
  enum?: readonly (string | number)[];
  min?: number;
  max?: number;
}
interface ModelSpec {
  fields: Record<string, FieldSpec>;
  output: "array" | "string";
  /** Inputs besides `prompt` that must be present. */
  required?: readonly string[];
  /** Extension of the default output file (`mp4` for video models). */
  ext?: string;
}

const RATIOS = ["1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21"];
const FORMATS = ["webp", "jpg", "png"];
const str = (e?: readonly string[]): FieldSpec => (e ? { type: "string", enum: e } : { type: "string" });
const int = (min?: number, max?: number): FieldSpec => ({ type: "integer", ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) });
const num: FieldSpec = { type: "number" };
const bool: FieldSpec = { type: "boolean" };
const file: FieldSpec = { type: "file" };
const files: FieldSpec = { type: "files" };
const intEnum = (...values: number[]): FieldSpec => ({ type: "integer", enum: values });

const VEO3_FIELDS: Record<string, FieldSpec> = {
  prompt: str(), aspect_ratio: str(["16:9", "9:16"]), duration: intEnum(4, 6, 8), image: file, negative_prompt: str(),
  resolution: str(["720p", "1080p"]), generate_audio: bool, seed: int(),
};
const KLING_RATIOS = ["16:9", "9:16", "1:1"];

/** Replicate's video models (schemas from their API pages); each returns one `.mp4` URL. */
export const VIDEO_MODEL_SPECS: Record<string, ModelSpec> = {
  "google/veo-3": { output: "string", ext: "mp4", fields: VEO3_FIELDS },
  "google/veo-3-fast": { output: "string", ext: "mp4", fields: VEO3_FIELDS },
  "google/veo-3.1": { output: "string", ext: "mp4", fields: { ...VEO3_FIELDS, last_frame: file, reference_images: files } },
  "google/veo-2": { output: "string", ext: "mp4", fields: { prompt: str(), aspect_ratio: str(["16:9", "9:16"]), duration: intEnum(5, 6, 7, 8), seed: int() } },
  "kwaivgi/kling-v2.1": {
    output: "string", ext: "mp4", required: ["start_image"],
    fields: { prompt: str(), negative_prompt: str(), start_image: file, end_image: file, mode: str(["standard", "pro"]), duration: intEnum(5, 10) },
  },
  "kwaivgi/kling-v2.1-master": {
    output: "string", ext: "mp4",
    fields: { prompt: str(), negative_prompt: str(), start_image: file, aspect_ratio: str(KLING_RATIOS), duration: intEnum(5, 10) },
  },
  "kwaivgi/kling-v1.6-pro": {
    output: "string", ext: "mp4",
    fields: {
      prompt: str(), negative_prompt: str(), start_image: file, end_image: file, reference_images: files, aspect_ratio: str(KLING_RATIOS),
      duration: intEnum(5, 10), cfg_scale: { type: "number", min: 0, max: 1 },
    },
  },
  "kwaivgi/kling-v2.5-turbo-pro": {
    output: "string", ext: "mp4",
    fields: { prompt: str(), negative_prompt: str(), start_image: file, end_image: file, aspect_ratio: str(KLING_RATIOS), duration: intEnum(5, 10) },
  },
  "minimax/video-01": { output: "string", ext: "mp4", fields: { prompt: str(), first_frame_image: file, subject_reference: file, prompt_optimizer: bool } },
  "minimax/hailuo-02": {
    output: "string", ext: "mp4",
    fields: {
      prompt: str(), duration: intEnum(6, 10), resolution: str(["512p", "768p", "1080p"]), first_frame_image: file, last_frame_image: file,
      prompt_optimizer: bool,
    },
  },
  "minimax/hailuo-2.3": {
    output: "string", ext: "mp4",
    fields: { prompt: str(), duration: intEnum(6, 10), resolution: str(["768p", "1080p"]), first_frame_image: file, prompt_optimizer: bool },
  },
};

export const MODEL_SPECS: Record<string, ModelSpec> = {
  "black-forest-labs/flux-schnell": {
    output: "array",
    fields: {
      prompt: str(), aspect_ratio: str(RATIOS), num_outputs: int(1, 4), num_inference_steps: int(1, 4), seed: int(),
      output_format: str(FORMATS), output_quality: int(0, 100), disable_safety_checker: bool, go_fast: bool, megapixels: str(["1", "0.25"]),
    },
  },
  "black-forest-labs/flux-dev": {
    output: "array",
    fields: {
      prompt: str(), aspect_ratio: str(RATIOS), image: file, prompt_strength: num, num_outputs: int(1, 4), num_inference_steps: int(1, 50),
      guidance: num, seed: int(), output_format: str(FORMATS), output_quality: int(0, 100), disable_safety_checker: bool, go_fast: bool,
      megapixels: str(["1", "0.25"]),
    },
  },
  "black-forest-labs/flux-1.1-pro": {
    output: "string",
    fields: {
      prompt: str(), image_prompt: file, aspect_ratio: str([...RATIOS, "custom"]), width: int(256, 1440), height: int(256, 1440),
      safety_tolerance: int(1, 6), seed: int(), prompt_upsampling: bool, output_format: str(FORMATS), output_quality: int(0, 100),
    },
  },
  "black-forest-labs/flux-1.1-pro-ultra": {
    output: "string",
    fields: {
      prompt: str(), image_prompt: file, image_prompt_strength: num, aspect_ratio: str(RATIOS), safety_tolerance: int(1, 6), seed: int(),
      raw: bool, output_format: str(["jpg", "png"]),
    },
  },
  "black-forest-labs/flux-2-pro": {
    output: "string",
    fields: {
      prompt: str(), input_images: files, aspect_ratio: str(["1:1", "16:9", "3:2", "2:3", "4:5", "5:4", "9:16", "3:4", "4:3", "custom", "match_input_image"]),
      resolution: str(["match_input_image", "0.5 MP", "1 MP", "2 MP", "4 MP"]), width: int(256, 2048), height: int(256, 2048),
      safety_tolerance: int(1, 5), seed: int(), output_format: str(FORMATS), output_quality: int(0, 100),
    },
  },
  "stability-ai/stable-diffusion-3.5-large": {
    output: "array",
    fields: {
      prompt: str(), aspect_ratio: str(RATIOS), cfg: num, steps: int(1, 50), seed: int(), image: file, prompt_strength: num,
      output_format: str(FORMATS), output_quality: int(0, 100), negative_prompt: str(),
    },
  },
  "ideogram-ai/ideogram-v3-turbo": {
    output: "string",
    fields: {
      prompt: str(), aspect_ratio: str(["1:3", "3:1", "1:2", "2:1", "9:16", "16:9", "10:16", "16:10", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "1:1"]),
      resolution: str(), magic_prompt_option: str(["Auto", "On", "Off"]), style_type: str(["None", "Auto", "General", "Realistic", "Design"]),
      style_preset: str(), image: file, mask: file, style_reference_images: files, seed: int(),
    },
  },
  "recraft-ai/recraft-v3": {
    output: "string",
    fields: {
      prompt: str(),
      size: str(["1024x1024", "1365x1024", "1024x1365", "1536x1024", "1024x1536", "1820x1024", "1024x1820", "1024x2048", "2048x1024", "1434x1024", "1024x1434", "1024x1280", "1280x1024", "1024x1707", "1707x1024"]),
      aspect_ratio: str(), style: str(),
    },
  },
  "google/imagen-4": {
    output: "string",
    fields: {
      prompt: str(), aspect_ratio: str(["1:1", "9:16", "16:9", "3:4", "4:3"]),
      safety_filter_level: str(["block_low_and_above", "block_medium_and_above", "block_only_high"]), output_format: str(["jpg", "png"]),
    },
  },
  "acme/custom-model": { output: "string", fields: { prompt: str(), aspect_ratio: str(), guidance_scale: num } },
  ...VIDEO_MODEL_SPECS,
};

/** Version hashes the fake knows, for version-pinned predictions. */
export const VERSIONS: Record<string, string> = {
  "5599ed30703defd1d160a25a63321b4dec97101d98b4674bcc56e41f62f35637": "black-forest-labs/flux-schnell",
  c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00: "acme/custom-model",
};

/** One state a prediction passes through; `output: "default"` is the model's usual output. */
export interface Step {
  status: "starting" | "processing" | "succeeded" | "failed" | "canceled";
  logs?: string;
  output?: unknown;
  error?: string;
}

export interface FakePrediction {
  id: string;
  model: string;
  version: string;
  input: Record<string, unknown>;
  steps: Step[];
  /** Index of the step last shown. */
  at: number;
  canceled: boolean;
  /** Time-based predictions (`completeAfterMs`): when Replicate finishes it, epoch ms. */
  finishAt?: number;
}

export interface ReplicateFake {
  server: FakeServer;
  url: string;
  /** The base URL to configure (`.../v1`). */
  baseUrl: string;
  predictions: Map<string, FakePrediction>;
  /** How the next predictions unfold: the create response shows step 0, each GET the next step. */
  plan: (input: Record<string, unknown>, model: string) => Step[];
  /**
   * Time-based predictions: each new one succeeds this many ms after create, whatever is asked in between,
   * and a create with `Prefer: wait=N` is held until then or N seconds, as Replicate does.
   */
  completeAfterMs: (() => number) | undefined;
  creates(): RecordedRequest[];
  close(): Promise<void>;
}

export const FAKE_TOKEN = "test-key-1234567890";

const problem = (status: number, title: string, detail: string, extra: Record<string, unknown> = {}): FakeResponse => ({
  status,
  headers: { "content-type": "application/problem+json" },
  json: { title, detail, status, ...extra },
});

function checkInput(spec: ModelSpec, input: unknown): FakeResponse | undefined {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    return problem(422, "Input validation failed", "- input: Invalid type. Expected: object", {
      invalid_fields: [{ type: "invalid_type", field: "input", description: "Invalid type. Expected: object" }],
    });
  }
  const invalid: { type: string; field: string; description: string }[] = [];
  const values = input as Record<string, unknown>;
  if (typeof values.prompt !== "string") invalid.push({ type: "required", field: "input", description: "prompt is required" });
  for (const name of spec.required ?? []) {
    if (values[name] === undefined) invalid.push({ type: "required", field: "input", description: `${name} is required` });
  }
  for (const [key, value] of Object.entries(values)) {
    const f = spec.fields[key];
    if (!f) {
      invalid.push({ type: "additional_property_not_allowed", field: `input.${key}`, description: `Additional property ${key} is not allowed` });
      continue;
    }
    const isUri = (v: unknown) => typeof v === "string" && /^(https?:\/\/|data:[^,]*;base64,)/.test(v);
    const ok =
      f.type === "string" ? typeof value === "string"
      : f.type === "integer" ? Number.isInteger(value)
      : f.type === "number" ? typeof value === "number"
      : f.type === "boolean" ? typeof value === "boolean"
      : f.type === "file" ? isUri(value)
      : Array.isArray(value) && value.every(isUri);
    if (!ok) {
      invalid.push({ type: "invalid_type", field: `input.${key}`, description: `Invalid type. Expected: ${f.type}` });
      continue;
    }
    if (f.enum && !f.enum.includes(value as string | number)) {
      invalid.push({ type: "enum", field: `input.${key}`, description: `${key} must be one of the following: ${f.enum.map((e) => JSON.stringify(e)).join(", ")}` });
    }
    if (typeof value === "number" && ((f.min !== undefined && value < f.min) || (f.max !== undefined && value > f.max))) {
      invalid.push({ type: "number_range", field: `input.${key}`, description: `${key} must be between ${f.min} and ${f.max}` });
    }
  }
  if (invalid.length === 0) return undefined;
  const detail = invalid.map((i) => `- ${i.field}: ${i.description}\n`).join("");
  return problem(422, "Input validation failed", detail, { invalid_fields: invalid });
}

function defaultOutput(spec: ModelSpec, id: string, input: Record<string, unknown>): unknown {
  const ext = spec.ext ?? (input.output_format === "jpg" ? "jpg" : input.output_format === "png" ? "png" : "webp");
  const count = typeof input.num_outputs === "number" ? input.num_outputs : 1;
  const urls = Array.from({ length: count }, (_, i) => `https://replicate.delivery/xezq/${id}/out-${i}.${ext}`);
  return spec.output === "array" ? urls : urls[0];
}

export async function startReplicateFake(): Promise<ReplicateFake> {
  const predictions = new Map<string, FakePrediction>();
  const server = await startFakeServer();
  const fake: ReplicateFake = {
    server,
    url: server.url,
    baseUrl: `${server.url}/v1`,
    predictions,
    plan: () => [{ status: "succeeded", output: "default" }],
    completeAfterMs: undefined,
    creates: () => server.requests.filter((r) => r.method === "POST" && /\/predictions$/.test(r.path)),
    close: () => server.close(),
  };

  const view = (p: FakePrediction) => {
    const step: Step =
      p.finishAt !== undefined
        ? Date.now() >= p.finishAt
          ? { status: "succeeded", output: "default" }
          : { status: "processing" }
        : p.steps[Math.min(p.at, p.steps.length - 1)]!;
    const status = p.canceled ? "canceled" : step.status;
    const spec = MODEL_SPECS[p.model]!;
    const output = status === "succeeded" ? (step.output === "default" ? defaultOutput(spec, p.id, p.input) : (step.output ?? null)) : null;
    return {
      id: p.id,
      model: p.model,
      version: p.version,
      input: p.input,
      logs: step.logs ?? "",
      output,
      error: status === "failed" ? (step.error ?? "Prediction failed") : null,
      status,
      source: "api",
      data_removed: false,
      created_at: "2025-01-01T00:00:00.000Z",
      started_at: status === "starting" ? null : "2025-01-01T00:00:01.000Z",
      completed_at: ["succeeded", "failed", "canceled"].includes(status) ? "2025-01-01T00:00:05.000Z" : null,
      metrics: status === "succeeded" ? { predict_time: 1.2, total_time: 1.5 } : {},
      urls: {
        get: `${server.url}/v1/predictions/${p.id}`,
        cancel: `${server.url}/v1/predictions/${p.id}/cancel`,
        stream: `https://stream.replicate.com/v1/files/${p.id}`,
        web: `https://replicate.com/p/${p.id}`,
      },
    };
  };

  const authed = (req: RecordedRequest): FakeResponse | undefined =>
    req.headers.authorization === `Bearer ${FAKE_TOKEN}`
      ? undefined
      : problem(401, "Unauthenticated", "You did not pass a valid authentication token");

  const create = async (req: RecordedRequest, model: string | undefined, allowVersion: boolean): Promise<FakeResponse> => {
    const denied = authed(req);
    if (denied) return denied;
    if (req.contentType !== "application/json") return problem(415, "Unsupported media type", "Request body must be JSON (Content-Type: application/json)");
    const body = req.json as Record<string, unknown> | undefined;
    if (!body || typeof body !== "object") return problem(400, "Invalid request", "The request body is not valid JSON");
    const allowed = new Set(["input", "webhook", "webhook_events_filter", "stream", ...(allowVersion ? ["version"] : [])]);
    const extra = Object.keys(body).find((k) => !allowed.has(k));
    if (extra) {
      return problem(422, "Input validation failed", `- ${extra}: Additional property ${extra} is not allowed\n`, {
        invalid_fields: [{ type: "additional_property_not_allowed", field: extra, description: `Additional property ${extra} is not allowed` }],
      });
    }
    const prefer = req.headers.prefer;
    if (prefer !== undefined && !/^wait(=([1-9]|[1-5]\d|60))?$/.test(prefer)) {
      return problem(400, "Invalid Prefer header", "Prefer must be 'wait' or 'wait=N' with N between 1 and 60");
    }
    let version = "";
    if (allowVersion) {
      version = typeof body.version === "string" ? body.version : "";
      model = VERSIONS[version];
      if (!model) return problem(422, "Invalid version or not permitted", "The specified version does not exist (or perhaps you don't have permission to use it?)");
    }
    const spec = model ? MODEL_SPECS[model] : undefined;
    if (!model || !spec) return problem(404, "Not found", "The requested resource could not be found.");
    const bad = checkInput(spec, body.input);
    if (bad) return bad;
    const input = body.input as Record<string, unknown>;
    const id = randomBytes(13).toString("hex").slice(0, 26);
    const after = fake.completeAfterMs?.();
    const p: FakePrediction = { id, model, version: version || `dp-${id}`, input, steps: fake.plan(input, model), at: 0, canceled: false };
    if (after !== undefined) p.finishAt = Date.now() + after;
    predictions.set(id, p);
    const wait = prefer === undefined ? undefined : Number(/=(\d+)/.exec(prefer)?.[1] ?? 60);
    if (wait !== undefined && p.finishAt !== undefined) {
      // Held open until the prediction finishes or the wait runs out; then 201 with whatever state it is in.
      const until = Math.min(p.finishAt, Date.now() + wait * 1000);
      // A timer may fire a millisecond early by the wall clock; Replicate answers only once it is done.
      while (Date.now() < until) await new Promise((r) => setTimeout(r, until - Date.now()));
    }
    return { status: 201, json: view(p) };
  };

  server.route("POST", "/v1/models/:owner/:name/predictions", (req) => create(req, `${req.params.owner}/${req.params.name}`, false));
  server.route("POST", "/v1/predictions", (req) => create(req, undefined, true));
  server.route("GET", "/v1/predictions/:id", (req) => {
    const denied = authed(req);
    if (denied) return denied;
    const p = predictions.get(req.params.id!);
    if (!p) return problem(404, "Not found", "The requested resource could not be found.");
    p.at = Math.min(p.at + 1, p.steps.length - 1);
    return { json: view(p) };
  });
  server.route("POST", "/v1/predictions/:id/cancel", (req) => {
    const denied = authed(req);
    if (denied) return denied;
    const p = predictions.get(req.params.id!);
    if (!p) return problem(404, "Not found", "The requested resource could not be found.");
    p.canceled = true;
    return { json: view(p) };
  });
  return fake;
}
