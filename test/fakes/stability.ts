import { randomBytes } from "node:crypto";
import sharp from "sharp";
import { type FakeResponse, type FakeServer, type RecordedRequest, ONE_PIXEL_PNG, startFakeServer } from "../helpers/fake-server.js";

/**
 * A strict fake of Stability's v2beta REST API: multipart/form-data only, bearer auth, only the
 * documented fields per endpoint (anything else is a 400 naming the field), the documented enums,
 * `accept: image/*` (raw bytes + finish-reason/seed headers) or `application/json` (`{image, ...}`),
 * async creative upscale through `GET /v2beta/results/{id}` (202 then 200). Error bodies have
 * Stability's shape `{id, name, errors: [...]}`.
 *
 * Prompt triggers: "forbidden" → 403 content_moderation; "blurry" → 200 with CONTENT_FILTERED.
 */

const RATIOS = ["21:9", "16:9", "3:2", "5:4", "1:1", "4:5", "2:3", "9:16", "9:21"];
const STYLES = [
  "enhance", "anime", "photographic", "digital-art", "comic-book", "fantasy-art", "line-art", "analog-film", "neon-punk",
  "isometric", "low-poly", "origami", "modeling-compound", "cinematic", "3d-model", "pixel-art", "tile-texture",
];
const SD3_MODELS = ["sd3.5-large", "sd3.5-large-turbo", "sd3.5-medium", "sd3.5-flash", "sd3-medium", "sd3-large", "sd3-large-turbo"];

type Kind = "text" | "file" | "number";
interface Spec {
  fields: Record<string, Kind>;
  required: string[];
  formats: string[];
  async?: boolean;
}

const ALL = ["png", "jpeg", "webp"];
const ENDPOINTS: Record<string, Spec> = {
  "generate/ultra": {
    fields: { prompt: "text", negative_prompt: "text", aspect_ratio: "text", seed: "number", output_format: "text", image: "file", strength: "number", style_preset: "text" },
    required: ["prompt"],
    formats: ALL,
  },
  "generate/core": {
    fields: { prompt: "text", negative_prompt: "text", aspect_ratio: "text", seed: "number", output_format: "text", style_preset: "text" },
    required: ["prompt"],
    formats: ALL,
  },
  "generate/sd3": {
    fields: { prompt: "text", mode: "text", image: "file", strength: "number", aspect_ratio: "text", model: "text", seed: "number", output_format: "text", negative_prompt: "text", cfg_scale: "number" },
    required: ["prompt"],
    formats: ["png", "jpeg"],
  },
  "edit/inpaint": {
    fields: { image: "file", prompt: "text", negative_prompt: "text", mask: "file", grow_mask: "number", seed: "number", output_format: "text" },
    required: ["image", "prompt"],
    formats: ALL,
  },
  "edit/erase": { fields: { image: "file", mask: "file", grow_mask: "number", seed: "number", output_format: "text" }, required: ["image"], formats: ALL },
  "edit/search-and-replace": {
    fields: { image: "file", prompt: "text", search_prompt: "text", negative_prompt: "text", grow_mask: "number", seed: "number", output_format: "text" },
    required: ["image", "prompt", "search_prompt"],
    formats: ALL,
  },
  "edit/outpaint": {
    fields: { image: "file", left: "number", right: "number", up: "number", down: "number", creativity: "number", prompt: "text", seed: "number", output_format: "text" },
    required: ["image"],
    formats: ALL,
  },
  "edit/remove-background": { fields: { image: "file", output_format: "text" }, required: ["image"], formats: ["png", "webp"] },
  "edit/search-and-recolor": {
    fields: { image: "file", prompt: "text", select_prompt: "text", negative_prompt: "text", grow_mask: "number", seed: "number", output_format: "text" },
    required: ["image", "prompt", "select_prompt"],
    formats: ALL,
  },
  "upscale/fast": { fields: { image: "file", output_format: "text" }, required: ["image"], formats: ALL },
  "upscale/conservative": {
    fields: { image: "file", prompt: "text", negative_prompt: "text", seed: "number", creativity: "number", output_format: "text" },
    required: ["image", "prompt"],
    formats: ALL,
  },
  "upscale/creative": {
    fields: { image: "file", prompt: "text", negative_prompt: "text", output_format: "text", seed: "number", creativity: "number" },
    required: ["image", "prompt"],
    formats: ALL,
    async: true,
  },
};

export interface StabilityFake extends FakeServer {
  /** How many 202s a creative upscale result answers before the image. */
  pendingPolls: number;
  /** The bearer key the fake accepts. */
  key: string;
}

const errorId = () => randomBytes(16).toString("hex");
const fail = (status: number, name: string, errors: string[]): FakeResponse => ({ status, json: { id: errorId(), name, errors } });

let encoded: Promise<Record<string, Buffer>> | undefined;
function images(): Promise<Record<string, Buffer>> {
  encoded ??= (async () => {
    const base = sharp({ create: { width: 2, height: 2, channels: 3, background: { r: 200, g: 40, b: 40 } } });
    return {
      png: ONE_PIXEL_PNG,
      jpeg: await base.clone().jpeg().toBuffer(),
      webp: await base.clone().webp().toBuffer(),
    };
  })();
  return encoded;
}

function checkAuth(req: RecordedRequest, key: string): FakeResponse | undefined {
  const auth = req.headers.authorization;
  if (!auth) return fail(401, "unauthorized", ["authorization: missing authorization header"]);
  if (auth !== `Bearer ${key}`) return fail(401, "unauthorized", ["authorization: invalid API key"]);
  return undefined;
}

function acceptOf(req: RecordedRequest): "image" | "json" | undefined {
  const accept = (req.headers.accept ?? "image/*").trim();
  if (accept === "image/*" || accept === "*/*") return "image";
  if (accept === "application/json") return "json";
  return undefined;
}

async function imageResponse(format: string, mode: "image" | "json", finishReason: string, seed: number): Promise<FakeResponse> {
  const bytes = (await images())[format] ?? ONE_PIXEL_PNG;
  const requestId = errorId();
  if (mode === "json") {
    return {
      headers: { "content-type": `application/json; type=image/${format}`, "x-request-id": requestId },
      body: JSON.stringify({ image: bytes.toString("base64"), finish_reason: finishReason, seed }),
    };
  }
  return {
    headers: { "content-type": `image/${format}`, "finish-reason": finishReason, seed: String(seed), "x-request-id": requestId },
    body: bytes,
  };
}

function validate(spec: Spec, path: string, form: FormData): FakeResponse | undefined {
  for (const [name, value] of form.entries()) {
    const kind = spec.fields[name];
    if (!kind) return fail(400, "bad_request", [`${name}: unrecognized field`]);
    const isFile = typeof value !== "string";
    if (kind === "file" && !isFile) return fail(400, "bad_request", [`${name}: must be a file (binary)`]);
    if (kind !== "file" && isFile) return fail(400, "bad_request", [`${name}: must be a string`]);
    if (kind === "number" && Number.isNaN(Number(value))) return fail(400, "bad_request", [`${name}: must be a number`]);
  }
  for (const name of spec.required) {
    const v = form.get(name);
    if (v === null || v === "") return fail(400, "bad_request", [`${name}: is required`]);
  }
  const ratio = form.get("aspect_ratio");
  if (typeof ratio === "string" && !RATIOS.includes(ratio)) return fail(400, "bad_request", [`aspect_ratio: must be one of ${RATIOS.join(", ")}`]);
  const format = form.get("output_format");
  if (typeof format === "string" && !spec.formats.includes(format)) return fail(400, "bad_request", [`output_format: must be one of ${spec.formats.join(", ")}`]);
  const style = form.get("style_preset");
  if (typeof style === "string" && !STYLES.includes(style)) return fail(400, "bad_request", [`style_preset: must be one of ${STYLES.join(", ")}`]);
  const seed = form.get("seed");
  if (typeof seed === "string" && (Number(seed) < 0 || Number(seed) > 4294967294)) return fail(400, "bad_request", ["seed: must be between 0 and 4294967294"]);
  if (path === "generate/sd3") {
    const model = form.get("model");
    if (typeof model === "string" && !SD3_MODELS.includes(model)) return fail(400, "bad_request", [`model: must be one of ${SD3_MODELS.join(", ")}`]);
    const mode = form.get("mode") ?? "text-to-image";
    if (mode !== "text-to-image" && mode !== "image-to-image") return fail(400, "bad_request", ["mode: must be text-to-image or image-to-image"]);
    if (mode === "image-to-image" && form.get("image") === null) return fail(400, "bad_request", ["image: is required for image-to-image"]);
    if (mode === "image-to-image" && form.get("aspect_ratio") !== null) return fail(400, "bad_request", ["aspect_ratio: not allowed in image-to-image mode"]);
    if (mode === "text-to-image" && form.get("image") !== null) return fail(400, "bad_request", ["image: only allowed in image-to-image mode"]);
  }
  if ((path === "generate/ultra" || path === "generate/sd3") && form.get("image") !== null && form.get("strength") === null) {
    return fail(400, "bad_request", ["strength: is required when image is provided"]);
  }
  if (path === "edit/outpaint" && !["left", "right", "up", "down"].some((d) => Number(form.get(d) ?? 0) > 0)) {
    return fail(400, "bad_request", ["left: at least one of left, right, up, down must be greater than 0"]);
  }
  return undefined;
}

export async function startStabilityFake(key = "test-key-1234567890"): Promise<StabilityFake> {
  const results = new Map<string, { format: string; polls: number; seed: number }>();
  const server = await startFakeServer();
  const fake = Object.assign(server, { pendingPolls: 2, key }) as StabilityFake;

  server.route("POST", "/v2beta/stable-image/:group/:op", async (req) => {
    const denied = checkAuth(req, fake.key);
    if (denied) return denied;
    const path = `${req.params.group}/${req.params.op}`;
    const spec = ENDPOINTS[path];
    if (!spec) return fail(404, "not_found", [`${path}: no such endpoint`]);
    if (req.contentType !== "multipart/form-data" || !req.form) {
      return fail(400, "bad_request", [`content-type: must be multipart/form-data (got ${req.contentType || "none"})`]);
    }
    const mode = acceptOf(req);
    if (!mode) return fail(400, "bad_request", ["accept: must be image/* or application/json"]);
    const invalid = validate(spec, path, req.form);
    if (invalid) return invalid;
    const prompt = String(req.form.get("prompt") ?? "");
    if (/forbidden/i.test(prompt)) {
      return fail(403, "content_moderation", ["Your request was flagged by our content moderation system, as a result your request was denied and you were not charged."]);
    }
    const format = String(req.form.get("output_format") ?? "png");
    const seed = Number(req.form.get("seed") ?? 0) || 42;
    if (spec.async) {
      const id = randomBytes(32).toString("hex");
      results.set(id, { format, polls: 0, seed });
      return { json: { id } };
    }
    return imageResponse(format, mode, /blurry/i.test(prompt) ? "CONTENT_FILTERED" : "SUCCESS", seed);
  });

  server.route("GET", "/v2beta/results/:id", async (req) => {
    const denied = checkAuth(req, fake.key);
    if (denied) return denied;
    const mode = acceptOf(req);
    if (!mode) return fail(400, "bad_request", ["accept: must be image/* or application/json"]);
    const job = results.get(req.params.id ?? "");
    if (!job) return fail(404, "not_found", [`id: generation ${req.params.id} was not found`]);
    job.polls++;
    if (job.polls <= fake.pendingPolls) return { status: 202, json: { id: req.params.id, status: "in-progress" } };
    return imageResponse(job.format, mode, "SUCCESS", job.seed);
  });
  return fake;
}
