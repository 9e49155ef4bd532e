import { type FakeResponse, type FakeServer, type RecordedRequest, startFakeServer } from "../helpers/fake-server.js";
import { BLOCKED_WORD, bearerAuth, openAIError } from "./openai.js";

/**
 * A strict fake of OpenAI's Videos API (video-providers.md §1): multipart create with string `seconds`
 * and per-model `size`, `input_reference` uploads that must match the size, a job that advances one
 * step per status check (queued → in_progress with progress → completed), `/content` served in chunks,
 * remix and delete. Shared with the Azure fake, which mounts the same routes under `/openai/v1`.
 */

/** A prompt containing this word makes the job fail with a moderation `error.code`. */
export const MODERATED_WORD = "GORE";
/** A prompt containing this word makes the job fail with an internal error. */
export const CRASH_WORD = "CRASH";
/** A prompt containing this word keeps the job in progress forever (for cancellation tests). */
export const SLOW_WORD = "SLOW";

export const SORA_MODELS: Record<string, string[]> = {
  "sora-2": ["720x1280", "1280x720"],
  "sora-2-2025-10-06": ["720x1280", "1280x720"],
  "sora-2-2025-12-08": ["720x1280", "1280x720"],
  "sora-2-pro": ["720x1280", "1280x720", "1024x1792", "1792x1024", "1080x1920", "1920x1080"],
  "sora-2-pro-2025-10-06": ["720x1280", "1280x720", "1024x1792", "1792x1024", "1080x1920", "1920x1080"],
};
const SECONDS = ["4", "8", "12", "16", "20"];

/** A few bytes that sniff as MP4 (`ftyp` box), padded. */
export function fakeMp4(bytes = 4096): Uint8Array {
  const out = new Uint8Array(bytes);
  out.set([0, 0, 0, 0x18, ...Buffer.from("ftypmp42"), 0, 0, 0, 0, ...Buffer.from("mp42isom")]);
  for (let i = 24; i < bytes; i++) out[i] = i % 251;
  return out;
}

export interface FakeVideo {
  video: Record<string, unknown> & { id: string; status: string; progress: number };
  polls: number;
  deleted: boolean;
}

export interface SoraRoutesOptions {
  /** "" for OpenAI, "/openai/v1" (and "/openai") for Azure. */
  prefix: string;
  auth(req: RecordedRequest): FakeResponse | undefined;
  /** The served model for a body `model` (Azure: a deployment name), or an error response. */
  resolveModel(name: string | undefined): string | FakeResponse;
  /** Reject a wrong `api-version` (Azure). */
  checkQuery?(req: RecordedRequest): FakeResponse | undefined;
  /** OpenAI's SDK always sends multipart; Azure's docs also post JSON. */
  acceptJson: boolean;
  content: Uint8Array;
  videos: Map<string, FakeVideo>;
}

function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24 || bytes[0] !== 0x89 || bytes[1] !== 0x50) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

let counter = 0;
const newId = () => `video_${(Date.now().toString(16) + (++counter).toString(16).padStart(8, "0")).padEnd(48, "a")}`;

const notFound = (id: string) => openAIError(404, `Video with id '${id}' not found.`, null, null);

/** One status check moves the job on: queued → in_progress 33 → in_progress 66 → completed / failed. */
function advance(job: FakeVideo): void {
  const v = job.video;
  const prompt = String(v.prompt);
  job.polls++;
  if (v.status === "completed" || v.status === "failed") return;
  if (prompt.includes(SLOW_WORD)) {
    Object.assign(v, { status: "in_progress", progress: 10 });
    return;
  }
  const step = job.polls;
  if (step === 1) return; // still queued on the first check
  if (step === 2 || step === 3) {
    Object.assign(v, { status: "in_progress", progress: step === 2 ? 33 : 66 });
    return;
  }
  if (prompt.includes(MODERATED_WORD)) {
    Object.assign(v, { status: "failed", error: { code: "moderation_blocked", message: "Your request was blocked by our moderation system." } });
  } else if (prompt.includes(CRASH_WORD)) {
    Object.assign(v, { status: "failed", error: { code: "internal_error", message: "Video generation failed due to an internal error." } });
  } else {
    Object.assign(v, { status: "completed", progress: 100, completed_at: 1758941600, expires_at: 1759028000 });
  }
}

interface Parsed {
  values: Record<string, unknown>;
  files: Record<string, File>;
}

function parseCreate(req: RecordedRequest, acceptJson: boolean): Parsed | FakeResponse {
  if (req.contentType === "multipart/form-data" && req.form) {
    const values: Record<string, unknown> = {};
    const files: Record<string, File> = {};
    for (const [k, v] of req.form.entries()) {
      if (typeof v === "string") values[k] = v;
      else files[k] = v;
    }
    return { values, files };
  }
  if (acceptJson && req.contentType === "application/json" && req.json && typeof req.json === "object") {
    return { values: req.json as Record<string, unknown>, files: {} };
  }
  return openAIError(
    400,
    `Invalid Content-Type header (${req.contentType || "none"}), expected multipart/form-data.`,
    null,
    "invalid_content_type",
  );
}

async function create(req: RecordedRequest, o: SoraRoutesOptions): Promise<FakeResponse> {
  const parsed = parseCreate(req, o.acceptJson);
  if ("status" in parsed) return parsed as FakeResponse;
  const { values, files } = parsed as Parsed;
  const allowed = ["model", "prompt", "seconds", "size", "input_reference", "input_reference[image_url]", "input_reference[file_id]"];
  for (const key of [...Object.keys(values), ...Object.keys(files)]) {
    if (!allowed.includes(key)) return openAIError(400, `Unknown parameter: '${key}'.`, key, "unknown_parameter");
  }
  const resolved = o.resolveModel(typeof values.model === "string" ? values.model : undefined);
  if (typeof resolved !== "string") return resolved;
  const sizes = SORA_MODELS[resolved];
  if (!sizes) {
    return openAIError(400, `Invalid value: '${resolved}'. Supported values are: ${Object.keys(SORA_MODELS).map((m) => `'${m}'`).join(", ")}.`, "model", "invalid_value");
  }
  const prompt = values.prompt;
  if (typeof prompt !== "string" || prompt === "") return openAIError(400, "Missing required parameter: 'prompt'.", "prompt", "missing_required_parameter");
  if (typeof values.seconds === "number") {
    return openAIError(400, "Invalid type for 'seconds': expected one of '4', '8', or '12', but got an integer instead.", "seconds", "invalid_type");
  }
  const seconds = values.seconds === undefined ? "4" : String(values.seconds);
  if (!SECONDS.includes(seconds)) {
    return openAIError(400, `Invalid value: '${seconds}'. Supported values are: ${SECONDS.map((s) => `'${s}'`).join(", ")}.`, "seconds", "invalid_value");
  }
  const size = values.size === undefined ? "720x1280" : String(values.size);
  if (!sizes.includes(size)) {
    return openAIError(400, `Invalid value: '${size}'. Supported values are: ${sizes.map((s) => `'${s}'`).join(", ")}.`, "size", "invalid_value");
  }
  if (typeof values.input_reference === "string") {
    return openAIError(400, "Invalid type for 'input_reference': expected a file, but got a string instead.", "input_reference", "invalid_type");
  }
  const ref = files.input_reference;
  if (ref) {
    if (!/^image\/(png|jpeg|webp)$/.test(ref.type)) {
      return openAIError(400, `Invalid file 'input_reference': unsupported mimetype ('${ref.type}'). Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'.`, "input_reference", "invalid_value");
    }
    const dims = pngSize(new Uint8Array(await ref.arrayBuffer()));
    if (dims && `${dims.width}x${dims.height}` !== size) {
      return openAIError(400, "Inpaint image must match the requested width and height", null, null);
    }
  }
  if (prompt.includes(BLOCKED_WORD)) {
    return openAIError(400, "Your request was blocked by our moderation system.", null, "moderation_blocked");
  }
  const video = {
    id: newId(),
    object: "video",
    model: resolved,
    status: "queued",
    progress: 0,
    created_at: 1758941485,
    completed_at: null,
    expires_at: null,
    prompt,
    seconds,
    size,
    remixed_from_video_id: null,
    error: null,
  };
  o.videos.set(video.id, { video, polls: 0, deleted: false });
  return { status: 200, json: video, headers: { "x-request-id": `req_${video.id.slice(6, 14)}` } };
}

function remix(req: RecordedRequest, o: SoraRoutesOptions): FakeResponse {
  if (req.contentType !== "application/json" || !req.json || typeof req.json !== "object") {
    return openAIError(400, "We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.", null, null);
  }
  const body = req.json as Record<string, unknown>;
  for (const key of Object.keys(body)) if (key !== "prompt") return openAIError(400, `Unknown parameter: '${key}'.`, key, "unknown_parameter");
  if (typeof body.prompt !== "string" || body.prompt === "") return openAIError(400, "Missing required parameter: 'prompt'.", "prompt", "missing_required_parameter");
  const source = o.videos.get(req.params.id!);
  if (!source || source.deleted) return notFound(req.params.id!);
  if (source.video.status !== "completed") return openAIError(400, "Video must be completed before it can be remixed.", null, null);
  const video = { ...source.video, id: newId(), status: "queued", progress: 0, prompt: body.prompt, completed_at: null, expires_at: null, remixed_from_video_id: source.video.id };
  o.videos.set(video.id, { video, polls: 0, deleted: false });
  return { status: 200, json: video };
}

/** Mount the Videos API routes on a fake server. */
export function addSoraRoutes(s: FakeServer, o: SoraRoutesOptions): void {
  const guard = (req: RecordedRequest) => o.checkQuery?.(req) ?? o.auth(req);
  const job = (req: RecordedRequest): FakeVideo | FakeResponse => {
    const found = o.videos.get(req.params.id!);
    return found && !found.deleted ? found : notFound(req.params.id!);
  };
  s.route("POST", `${o.prefix}/videos`, async (req) => guard(req) ?? create(req, o));
  s.route("POST", `${o.prefix}/videos/:id/remix`, async (req) => guard(req) ?? remix(req, o));
  s.route("GET", `${o.prefix}/videos/:id/content`, async (req) => {
    const denied = guard(req);
    if (denied) return denied;
    const variant = req.query.get("variant") ?? "video";
    if (!["video", "thumbnail", "spritesheet"].includes(variant)) return openAIError(400, `Invalid value: '${variant}'. Supported values are: 'video', 'thumbnail', and 'spritesheet'.`, "variant", "invalid_value");
    const found = job(req);
    if (!("video" in found)) return found;
    if (found.video.status !== "completed") return openAIError(404, `Video '${found.video.id}' is not ready: its status is ${found.video.status}.`, null, null);
    return { status: 200, body: o.content, headers: { "content-type": "video/mp4" }, chunkBytes: 64 * 1024 };
  });
  s.route("GET", `${o.prefix}/videos/:id`, async (req) => {
    const denied = guard(req);
    if (denied) return denied;
    const found = job(req);
    if (!("video" in found)) return found;
    advance(found);
    return { status: 200, json: found.video };
  });
  s.route("DELETE", `${o.prefix}/videos/:id`, async (req) => {
    const denied = guard(req);
    if (denied) return denied;
    const found = job(req);
    if (!("video" in found)) return found;
    found.deleted = true;
    return { status: 200, json: { id: found.video.id, object: "video.deleted", deleted: true } };
  });
}

export interface OpenAIVideoFakeOptions {
  apiKey?: string;
  /** Bytes served by `/videos/{id}/content`. */
  content?: Uint8Array;
}

export type SoraFake = FakeServer & { videos: Map<string, FakeVideo> };

/** Start the fake on 127.0.0.1; its URL plays `https://api.openai.com/v1`. */
export async function startOpenAIVideoFake(options: OpenAIVideoFakeOptions = {}): Promise<SoraFake> {
  const videos = new Map<string, FakeVideo>();
  const server = await startFakeServer((s) =>
    addSoraRoutes(s, {
      prefix: "",
      auth: bearerAuth(options.apiKey ?? "test-key-1234567890"),
      resolveModel: (name) => name ?? "sora-2",
      acceptJson: false,
      content: options.content ?? fakeMp4(),
      videos,
    }),
  );
  return Object.assign(server, { videos });
}
