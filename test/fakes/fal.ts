import type { FakeResponse, FakeServer, RecordedRequest } from "../helpers/fake-server.js";
import { startFakeServer } from "../helpers/fake-server.js";

/**
 * A strict fake of fal's queue API (https://queue.fal.run). Submit at the full model id; status,
 * result and cancel only at the app root (`owner/app`) — a URL with the model's sub-path is a 404,
 * as on fal. Model inputs are checked against each model's schema: an unknown or misnamed field, a
 * bad enum value or a missing required field is fal's FastAPI-style 422 `{detail:[{loc,msg,type}]}`.
 */
export const FAL_KEY = "test-key-1234567890";

export type Check = (value: unknown) => string | undefined;
export interface FalSchema {
  fields: Record<string, Check>;
  required?: string[];
}

const PRESETS: Record<string, [number, number]> = {
  square_hd: [1024, 1024],
  square: [512, 512],
  portrait_4_3: [768, 1024],
  portrait_16_9: [576, 1024],
  landscape_4_3: [1024, 768],
  landscape_16_9: [1024, 576],
};

export const str: Check = (v) => (typeof v === "string" && v.length > 0 ? undefined : "Input should be a valid string");
export const bool: Check = (v) => (typeof v === "boolean" ? undefined : "Input should be a valid boolean");
export const int = (min: number, max: number): Check => (v) =>
  typeof v === "number" && Number.isInteger(v) && v >= min && v <= max ? undefined : `Input should be an integer between ${min} and ${max}`;
export const oneOf = (...values: string[]): Check => (v) =>
  typeof v === "string" && values.includes(v) ? undefined : `Input should be ${values.map((x) => `'${x}'`).join(", ")}`;
export const anything: Check = () => undefined;
const urlList: Check = (v) =>
  Array.isArray(v) && v.length > 0 && v.every((u) => typeof u === "string" && /^(https?:|data:)/.test(u)) ? undefined : "Input should be a list of URLs";
export const url: Check = (v) => (typeof v === "string" && /^(https?:|data:)/.test(v) ? undefined : "Input should be a valid URL");
const imageSize: Check = (v) => {
  if (typeof v === "string") return v in PRESETS ? undefined : `Input should be ${Object.keys(PRESETS).map((p) => `'${p}'`).join(", ")}`;
  if (v && typeof v === "object") {
    const { width, height, ...rest } = v as Record<string, unknown>;
    if (Object.keys(rest).length > 0) return "Extra inputs are not permitted";
    if (int(1, 14142)(width) || int(1, 14142)(height)) return "width and height should be integers";
    return undefined;
  }
  return "Input should be a valid ImageSize or preset name";
};

const FLUX: Record<string, Check> = {
  prompt: str,
  image_size: imageSize,
  num_images: int(1, 4),
  seed: int(0, 2 ** 53),
  output_format: oneOf("jpeg", "png"),
  enable_safety_checker: bool,
  sync_mode: bool,
  num_inference_steps: int(1, 50),
  guidance_scale: anything,
  acceleration: oneOf("none", "regular", "high"),
};
const NANO: Record<string, Check> = {
  prompt: str,
  num_images: int(1, 4),
  aspect_ratio: oneOf("21:9", "16:9", "3:2", "4:3", "5:4", "1:1", "4:5", "3:4", "2:3", "9:16"),
  output_format: oneOf("jpeg", "png", "webp"),
  sync_mode: bool,
  limit_generations: bool,
};
const TOLERANCE = oneOf("1", "2", "3", "4", "5", "6");

export const FAL_SCHEMAS: Record<string, FalSchema> = {
  "fal-ai/flux/schnell": { fields: FLUX },
  "fal-ai/flux/dev": { fields: FLUX },
  "fal-ai/flux-pro/v1.1": {
    fields: { ...FLUX, safety_tolerance: TOLERANCE, enhance_prompt: bool, num_inference_steps: () => "Extra inputs are not permitted" },
  },
  "fal-ai/flux-pro/v1.1-ultra": {
    fields: {
      prompt: str,
      aspect_ratio: oneOf("21:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:21"),
      num_images: int(1, 4),
      seed: int(0, 2 ** 53),
      output_format: oneOf("jpeg", "png"),
      enable_safety_checker: bool,
      safety_tolerance: TOLERANCE,
      enhance_prompt: bool,
      image_url: url,
      image_prompt_strength: anything,
      raw: bool,
      sync_mode: bool,
    },
  },
  "fal-ai/flux-2-pro": {
    fields: {
      prompt: str,
      image_size: imageSize,
      seed: int(0, 2 ** 53),
      safety_tolerance: oneOf("1", "2", "3", "4", "5"),
      enable_safety_checker: bool,
      output_format: oneOf("jpeg", "png"),
      sync_mode: bool,
    },
  },
  "fal-ai/recraft/v3/text-to-image": {
    fields: { prompt: str, image_size: imageSize, style: str, colors: anything, style_id: anything, enable_safety_checker: bool },
  },
  "fal-ai/ideogram/v3": {
    fields: {
      prompt: str,
      image_size: imageSize,
      num_images: int(1, 8),
      seed: int(0, 2 ** 53),
      negative_prompt: anything,
      expand_prompt: bool,
      rendering_speed: oneOf("TURBO", "BALANCED", "QUALITY"),
      style: oneOf("AUTO", "GENERAL", "REALISTIC", "DESIGN"),
      image_urls: urlList,
      style_codes: anything,
      color_palette: anything,
      sync_mode: bool,
    },
  },
  "fal-ai/z-image/turbo": { fields: { ...FLUX, output_format: oneOf("png", "jpeg", "webp"), guidance_scale: () => "Extra inputs are not permitted" } },
  "fal-ai/nano-banana": { fields: NANO },
  "fal-ai/nano-banana/edit": { fields: { ...NANO, image_urls: urlList }, required: ["prompt", "image_urls"] },
  // A model the gateway's catalog does not list.
  "fal-ai/brand-new-model": { fields: { prompt: str, image_size: imageSize, num_images: int(1, 4), seed: int(0, 2 ** 53), custom_knob: anything } },
};

/** The status sequence a request walks through, one entry per status check. */
export type FalStep = { status: "IN_QUEUE"; position: number } | { status: "IN_PROGRESS"; logs: string[] } | { status: "COMPLETED" };

export const DEFAULT_STEPS: FalStep[] = [
  { status: "IN_QUEUE", position: 1 },
  { status: "IN_PROGRESS", logs: ["Loading model"] },
  { status: "IN_PROGRESS", logs: ["Loading model", "Generating: step 4/4"] },
  { status: "COMPLETED" },
];

export interface FalJob {
  id: string;
  model: string;
  root: string;
  input: Record<string, unknown>;
  checks: number;
  cancelled: boolean;
  /** Time-based jobs (`completeAfterMs`): when fal finishes it, epoch ms. */
  finishAt?: number;
}

export interface FalFake {
  server: FakeServer;
  url: string;
  jobs: Map<string, FalJob>;
  /** Status sequence for the next requests (default: DEFAULT_STEPS; "hang" never completes). */
  steps: FalStep[] | "hang";
  /** Leave status_url/response_url/cancel_url out of the submit answer (older behaviour). */
  omitUrls: boolean;
  /** Serve the status stream (`…/status/stream`, server-sent events), as fal does; false = a proxy that does not. */
  stream: boolean;
  /** Pause between two events of the status stream (step plans). */
  streamStepMs: number;
  /** Time-based jobs: each new request completes this many ms after submit, whatever is asked in between. */
  completeAfterMs: (() => number) | undefined;
  close(): Promise<void>;
}

const detail = (status: number, items: { loc: (string | number)[]; msg: string; type: string }[]): FakeResponse => ({ status, json: { detail: items } });

function appRoot(model: string): string {
  return model.split("/").slice(0, 2).join("/");
}

function auth(req: RecordedRequest): FakeResponse | undefined {
  const h = req.headers.authorization;
  if (!h) return { status: 401, json: { detail: "Authentication is required to access this endpoint." } };
  if (h !== `Key ${FAL_KEY}`) return { status: 401, json: { detail: "No user found for Key ID and Secret" } };
  return undefined;
}

function validate(schema: FalSchema, input: Record<string, unknown>): FakeResponse | undefined {
  const items: { loc: (string | number)[]; msg: string; type: string }[] = [];
  for (const name of schema.required ?? ["prompt"]) {
    if (input[name] === undefined) items.push({ loc: ["body", name], msg: "Field required", type: "missing" });
  }
  for (const [name, value] of Object.entries(input)) {
    const check = schema.fields[name];
    if (!check) items.push({ loc: ["body", name], msg: "Extra inputs are not permitted", type: "extra_forbidden" });
    else {
      const problem = check(value);
      if (problem) items.push({ loc: ["body", name], msg: problem, type: problem.startsWith("Extra") ? "extra_forbidden" : "value_error" });
    }
  }
  return items.length > 0 ? detail(422, items) : undefined;
}

function dims(input: Record<string, unknown>): [number, number] {
  const size = input.image_size;
  if (typeof size === "string") return PRESETS[size]!;
  if (size && typeof size === "object") return [(size as { width: number }).width, (size as { height: number }).height];
  if (typeof input.aspect_ratio === "string") {
    const [w, h] = input.aspect_ratio.split(":").map(Number) as [number, number];
    return w >= h ? [1024, Math.round((1024 * h) / w)] : [Math.round((1024 * w) / h), 1024];
  }
  return [1024, 768];
}

function output(fake: FalFake, job: FalJob): FakeResponse {
  const input = job.input;
  const prompt = input.prompt as string;
  if (prompt.includes("policy")) {
    return detail(422, [{ loc: ["body", "prompt"], msg: "The content could not be processed because it violates our content policy", type: "content_policy_violation" }]);
  }
  const n = (input.num_images as number | undefined) ?? 1;
  const format = (input.output_format as string | undefined) ?? "jpeg";
  const [width, height] = dims(input);
  const images = Array.from({ length: n }, (_, i) => ({
    url: input.sync_mode === true ? `data:image/${format};base64,AAAA` : `${fake.url}/files/${job.id}-${i}.${format === "jpeg" ? "jpg" : format}`,
    content_type: `image/${format}`,
    width,
    height,
  }));
  // "nsfw" in a prompt flags every image, "partly" flags the first.
  const nsfw = images.map((_, i) => prompt.includes("nsfw") || (prompt.includes("partly") && i === 0));
  const body: Record<string, unknown> = { images, timings: { inference: 0.42 }, seed: (input.seed as number | undefined) ?? 42, has_nsfw_concepts: nsfw, prompt };
  if (input.expand_prompt === true) body.prompt = `${prompt}, with dramatic lighting and rich detail`;
  if (job.model.startsWith("fal-ai/nano-banana")) {
    delete body.has_nsfw_concepts;
    delete body.seed;
    body.description = "Here is your image.";
  }
  return { json: body, headers: { "x-fal-request-id": job.id } };
}

export interface FalFakeOptions {
  /** Model schemas besides the image ones (video endpoints). */
  schemas?: Record<string, FalSchema>;
  /** A model's result; undefined falls back to the image output. */
  output?: (fake: FalFake, job: FalJob) => FakeResponse | undefined;
}

export async function startFalFake(options: FalFakeOptions = {}): Promise<FalFake> {
  const schemas: Record<string, FalSchema> = { ...FAL_SCHEMAS, ...options.schemas };
  let counter = 0;
  const fake: FalFake = {
    server: undefined as unknown as FakeServer,
    url: "",
    jobs: new Map(),
    steps: DEFAULT_STEPS,
    omitUrls: false,
    stream: true,
    streamStepMs: 5,
    completeAfterMs: undefined,
    close: () => fake.server.close(),
  };
  const stepsFor = new Map<string, FalStep[] | "hang">();

  const job = (req: RecordedRequest): FalJob | FakeResponse => {
    const denied = auth(req);
    if (denied) return denied;
    const found = fake.jobs.get(req.params.id!);
    const root = `${req.params.owner}/${req.params.app}`;
    if (!found || found.root !== root) return { status: 404, json: { detail: `Request ${req.params.id} not found` } };
    return found;
  };

  const HANGING: FalStep = { status: "IN_PROGRESS", logs: ["Generating"] };
  /** The job's state now; a status read of a step plan moves it on by one step. */
  const currentStep = (j: FalJob, advance: boolean): FalStep => {
    if (j.finishAt !== undefined) return Date.now() >= j.finishAt ? { status: "COMPLETED" } : HANGING;
    const steps = stepsFor.get(j.id)!;
    const step = steps === "hang" ? HANGING : (steps[Math.min(j.checks, steps.length - 1)] ?? { status: "COMPLETED" });
    if (advance) j.checks++;
    return step;
  };
  const statusBody = (j: FalJob, step: FalStep, withLogs: boolean): { status: number; json: Record<string, unknown> } => {
    const urls = {
      request_id: j.id,
      response_url: `${fake.url}/${j.root}/requests/${j.id}`,
      status_url: `${fake.url}/${j.root}/requests/${j.id}/status`,
      cancel_url: `${fake.url}/${j.root}/requests/${j.id}/cancel`,
    };
    if (step.status === "IN_QUEUE") return { status: 202, json: { status: "IN_QUEUE", ...urls, queue_position: step.position } };
    if (step.status === "IN_PROGRESS") {
      const logs = step.logs.map((message) => ({ message, level: "INFO", source: "USER", timestamp: "2026-01-01T00:00:00Z" }));
      return { status: 202, json: { status: "IN_PROGRESS", ...urls, logs: withLogs ? logs : null } };
    }
    return { status: 200, json: { status: "COMPLETED", ...urls, logs: withLogs ? [] : null, metrics: { inference_time: 0.42 } } };
  };
  const badLogs = (req: RecordedRequest): FakeResponse | undefined =>
    req.query.get("logs") !== "1" && req.query.get("logs") !== "0"
      ? detail(422, [{ loc: ["query", "logs"], msg: "Input should be 0 or 1", type: "value_error" }])
      : undefined;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** fal's status stream: one `data:` event per state, a keep-alive comment while nothing changes, closed after COMPLETED. */
  async function* statusEvents(j: FalJob, withLogs: boolean): AsyncGenerator<string> {
    let last = "";
    // Bounded so a test that walks away from a hanging job does not leave the fake writing forever.
    for (let i = 0; i < 20_000 && !j.cancelled; i++) {
      const step = currentStep(j, true);
      const event = JSON.stringify(statusBody(j, step, withLogs).json);
      if (event !== last) yield `data: ${event}\n\n`;
      else if (i % 50 === 0) yield ": keep-alive\n\n";
      last = event;
      if (step.status === "COMPLETED") return;
      await sleep(j.finishAt !== undefined ? Math.max(0, Math.min(j.finishAt - Date.now(), 20)) : fake.streamStepMs);
    }
  }

  fake.server = await startFakeServer((s) => {
    s.route("GET", "/:owner/:app/requests/:id/status/stream", (req) => {
      if (!fake.stream) return { status: 404, json: { detail: "Not Found" } };
      const j = job(req);
      if (!("id" in j)) return j;
      const bad = badLogs(req);
      if (bad) return bad;
      return { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" }, stream: statusEvents(j, req.query.get("logs") === "1") };
    });
    s.route("GET", "/:owner/:app/requests/:id/status", (req) => {
      const j = job(req);
      if (!("id" in j)) return j;
      const bad = badLogs(req);
      if (bad) return bad;
      return statusBody(j, currentStep(j, true), req.query.get("logs") === "1");
    });
    s.route("GET", "/:owner/:app/requests/:id", (req) => {
      const j = job(req);
      if (!("id" in j)) return j;
      const steps = stepsFor.get(j.id)!;
      const done = j.finishAt !== undefined ? Date.now() >= j.finishAt : steps !== "hang" && j.checks >= steps.length;
      if (!done) return { status: 400, json: { detail: "Request is still in progress" } };
      return options.output?.(fake, j) ?? output(fake, j);
    });
    s.route("PUT", "/:owner/:app/requests/:id/cancel", (req) => {
      const j = job(req);
      if (!("id" in j)) return j;
      j.cancelled = true;
      return { status: 202, json: { status: "CANCELLATION_REQUESTED" } };
    });
    s.route("POST", "/*", (req) => {
      const denied = auth(req);
      if (denied) return denied;
      const model = req.path.replace(/^\/+/, "");
      const schema = schemas[model];
      if (!schema) return { status: 404, json: { detail: `Application '${model}' not found` } };
      if (req.contentType !== "application/json" || req.json === undefined || typeof req.json !== "object" || Array.isArray(req.json)) {
        return detail(422, [{ loc: ["body"], msg: "Input should be a valid dictionary or object to extract fields from", type: "model_attributes_type" }]);
      }
      const priority = req.headers["x-fal-queue-priority"];
      if (priority !== undefined && priority !== "normal" && priority !== "low") {
        return { status: 400, json: { detail: "Invalid x-fal-queue-priority header" } };
      }
      const input = req.json as Record<string, unknown>;
      const invalid = validate(schema, input);
      if (invalid) return invalid;
      const id = `req-${++counter}`;
      const root = appRoot(model);
      const after = fake.completeAfterMs?.();
      fake.jobs.set(id, { id, model, root, input, checks: 0, cancelled: false, ...(after !== undefined ? { finishAt: Date.now() + after } : {}) });
      stepsFor.set(id, fake.steps);
      const urls = fake.omitUrls
        ? {}
        : {
            response_url: `${fake.url}/${root}/requests/${id}`,
            status_url: `${fake.url}/${root}/requests/${id}/status`,
            cancel_url: `${fake.url}/${root}/requests/${id}/cancel`,
          };
      return { json: { status: "IN_QUEUE", request_id: id, ...urls, queue_position: 2 } };
    });
  });
  fake.url = fake.server.url;
  return fake;
}
