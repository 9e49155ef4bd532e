import { randomUUID } from "node:crypto";
import { type FakeResponse, type FakeServer, type RecordedRequest, ONE_PIXEL_PNG, startFakeServer } from "../helpers/fake-server.js";

/**
 * A strict Luma Dream Machine fake under `/dream-machine/v1`: Photon image generations, polling,
 * DELETE, and the asset CDN. Wrong auth → `{"detail":"Invalid API key provided"}`; a non-JSON body,
 * unknown fields and bad enum values → FastAPI 422 `{"detail":[{type, loc, msg, input}]}`. Both
 * spellings of the reference fields (`image_ref`/`image`, …) are accepted, as the docs and the AI SDK
 * disagree. Ray video generations are served at both `/generations/video` (current SDKs) and the
 * older `/generations` (with `generation_type: "video"` optional), with the video body checked
 * field by field (keyframes, `"5s"|"9s"` durations, Luma's resolution tiers, `concepts`).
 *
 * Prompt markers: `[forbidden]` → 400 moderation on create, `[fail-moderation]` → failed generation
 * with a moderation reason, `[fail-internal]` → failed with an internal error, `[slow]` → never
 * leaves `queued`, `[no-asset]` → completed without `assets.image`.
 */

export const LUMA_KEY = "test-key-1234567890";
export const PREFIX = "/dream-machine/v1";
export const IMAGE_PATH = `${PREFIX}/generations/image`;
export const VIDEO_PATH = `${PREFIX}/generations/video`;

const MODELS = ["photon-1", "photon-flash-1"];
const RATIOS = ["1:1", "16:9", "9:16", "4:3", "3:4", "21:9", "9:21"];
const FIELDS = [
  "prompt",
  "model",
  "aspect_ratio",
  "format",
  "callback_url",
  "sync",
  "sync_timeout",
  "generation_type",
  "image_ref",
  "image",
  "style_ref",
  "style",
  "character_ref",
  "character",
  "modify_image_ref",
  "modify_image",
];

export interface Generation {
  id: string;
  type: "image" | "video";
  prompt: string;
  states: string[];
  polls: number;
  deleted: boolean;
  request: Record<string, unknown>;
}

export interface LumaFake {
  server: FakeServer;
  /** Base URL including `/dream-machine/v1`, as a user would configure it. */
  url: string;
  generations: Map<string, Generation>;
  close(): Promise<void>;
}

const issue = (type: string, loc: (string | number)[], msg: string, input: unknown): FakeResponse => ({
  status: 422,
  json: { detail: [{ type, loc, msg, input }] },
});

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function checkAuth(req: RecordedRequest): FakeResponse | undefined {
  return req.headers.authorization === `Bearer ${LUMA_KEY}` ? undefined : { status: 401, json: { detail: "Invalid API key provided" } };
}

function checkRef(value: unknown, loc: string[], list: boolean): FakeResponse | undefined {
  const items = list ? value : [value];
  if (!Array.isArray(items)) return issue("list_type", loc, "Input should be a valid list", value);
  for (const [i, item] of items.entries()) {
    const at = list ? [...loc, i] : loc;
    if (!isObj(item)) return issue("model_type", at, "Input should be a valid dictionary", item);
    const extra = Object.keys(item).find((k) => k !== "url" && k !== "weight");
    if (extra) return issue("extra_forbidden", [...at, extra], "Extra inputs are not permitted", item[extra]);
    if (typeof item.url !== "string" || !/^https?:\/\//.test(item.url)) return issue("url_parsing", [...at, "url"], "Input should be a valid URL", item.url);
    if (item.weight !== undefined && (typeof item.weight !== "number" || item.weight < 0 || item.weight > 1)) {
      return issue("less_than_equal", [...at, "weight"], "Input should be less than or equal to 1", item.weight);
    }
  }
  return undefined;
}

function checkCharacter(value: unknown, loc: string[]): FakeResponse | undefined {
  if (!isObj(value)) return issue("model_type", loc, "Input should be a valid dictionary", value);
  for (const [id, identity] of Object.entries(value)) {
    if (!/^identity\d+$/.test(id)) return issue("extra_forbidden", [...loc, id], "Extra inputs are not permitted", identity);
    const images = isObj(identity) ? identity.images : undefined;
    if (!Array.isArray(images) || images.some((u) => typeof u !== "string" || !/^https?:\/\//.test(u))) {
      return issue("url_parsing", [...loc, id, "images"], "Input should be a list of valid URLs", images);
    }
  }
  return undefined;
}

function create(req: RecordedRequest, server: FakeServer, generations: Map<string, Generation>): FakeResponse {
  const bad = checkAuth(req);
  if (bad) return bad;
  if (req.contentType !== "application/json" || !isObj(req.json)) {
    return issue("model_attributes_type", ["body"], "Input should be a valid dictionary or object to extract fields from", req.text.slice(0, 50));
  }
  const body = req.json;
  const extra = Object.keys(body).find((k) => !FIELDS.includes(k));
  if (extra) return issue("extra_forbidden", ["body", extra], "Extra inputs are not permitted", body[extra]);
  if (typeof body.prompt !== "string" || !body.prompt) return issue("missing", ["body", "prompt"], "Field required", null);
  if (!MODELS.includes(body.model as string)) return issue("literal_error", ["body", "model"], "Input should be 'photon-1' or 'photon-flash-1'", body.model);
  if (body.aspect_ratio !== undefined && !RATIOS.includes(body.aspect_ratio as string)) {
    return issue("literal_error", ["body", "aspect_ratio"], `Input should be ${RATIOS.map((r) => `'${r}'`).join(", ")}`, body.aspect_ratio);
  }
  if (body.format !== undefined && body.format !== "jpg" && body.format !== "png") {
    return issue("literal_error", ["body", "format"], "Input should be 'jpg' or 'png'", body.format);
  }
  for (const key of ["image_ref", "image", "style_ref", "style"]) {
    if (body[key] !== undefined) {
      const r = checkRef(body[key], ["body", key], true);
      if (r) return r;
    }
  }
  for (const key of ["modify_image_ref", "modify_image"]) {
    if (body[key] !== undefined) {
      const r = checkRef(body[key], ["body", key], false);
      if (r) return r;
    }
  }
  for (const key of ["character_ref", "character"]) {
    if (body[key] !== undefined) {
      const r = checkCharacter(body[key], ["body", key]);
      if (r) return r;
    }
  }
  const prompt = body.prompt;
  if (prompt.includes("[forbidden]")) return { status: 400, json: { detail: "Prompt not allowed because advanced moderation failed" } };
  return startGeneration(generations, server, "image", body);
}

const VIDEO_MODELS = ["ray-2", "ray-flash-2", "ray-1-6"];
const VIDEO_FIELDS = ["prompt", "model", "aspect_ratio", "resolution", "duration", "loop", "keyframes", "concepts", "callback_url", "generation_type"];

function checkKeyframe(value: unknown, loc: string[]): FakeResponse | undefined {
  if (!isObj(value)) return issue("model_type", loc, "Input should be a valid dictionary", value);
  if (value.type === "image") {
    const extra = Object.keys(value).find((k) => k !== "type" && k !== "url");
    if (extra) return issue("extra_forbidden", [...loc, extra], "Extra inputs are not permitted", value[extra]);
    if (typeof value.url !== "string" || !/^https?:\/\//.test(value.url)) return issue("url_parsing", [...loc, "url"], "Input should be a valid URL", value.url);
    return undefined;
  }
  if (value.type === "generation") {
    const extra = Object.keys(value).find((k) => k !== "type" && k !== "id");
    if (extra) return issue("extra_forbidden", [...loc, extra], "Extra inputs are not permitted", value[extra]);
    if (typeof value.id !== "string" || !value.id) return issue("missing", [...loc, "id"], "Field required", null);
    return undefined;
  }
  return issue("union_tag_invalid", [...loc, "type"], "Input tag does not match any of the expected tags: 'image', 'generation'", value.type);
}

function createVideo(req: RecordedRequest, server: FakeServer, generations: Map<string, Generation>): FakeResponse {
  const bad = checkAuth(req);
  if (bad) return bad;
  if (req.contentType !== "application/json" || !isObj(req.json)) {
    return issue("model_attributes_type", ["body"], "Input should be a valid dictionary or object to extract fields from", req.text.slice(0, 50));
  }
  const body = req.json;
  const extra = Object.keys(body).find((k) => !VIDEO_FIELDS.includes(k));
  if (extra) return issue("extra_forbidden", ["body", extra], "Extra inputs are not permitted", body[extra]);
  if (typeof body.prompt !== "string" || !body.prompt) return issue("missing", ["body", "prompt"], "Field required", null);
  if (!VIDEO_MODELS.includes(body.model as string)) return issue("literal_error", ["body", "model"], "Input should be 'ray-2', 'ray-flash-2' or 'ray-1-6'", body.model);
  if (body.generation_type !== undefined && body.generation_type !== "video") return issue("literal_error", ["body", "generation_type"], "Input should be 'video'", body.generation_type);
  if (body.aspect_ratio !== undefined && !RATIOS.includes(body.aspect_ratio as string)) {
    return issue("literal_error", ["body", "aspect_ratio"], `Input should be ${RATIOS.map((r) => `'${r}'`).join(", ")}`, body.aspect_ratio);
  }
  if (body.resolution !== undefined && !["540p", "720p", "1080p", "4k"].includes(body.resolution as string)) {
    return issue("literal_error", ["body", "resolution"], "Input should be '540p', '720p', '1080p' or '4k'", body.resolution);
  }
  if (body.duration !== undefined && body.duration !== "5s" && body.duration !== "9s") {
    return issue("literal_error", ["body", "duration"], "Input should be '5s' or '9s'", body.duration);
  }
  if (body.loop !== undefined && typeof body.loop !== "boolean") return issue("bool_type", ["body", "loop"], "Input should be a valid boolean", body.loop);
  if (body.keyframes !== undefined) {
    if (!isObj(body.keyframes)) return issue("model_type", ["body", "keyframes"], "Input should be a valid dictionary", body.keyframes);
    for (const [key, frame] of Object.entries(body.keyframes)) {
      if (key !== "frame0" && key !== "frame1") return issue("extra_forbidden", ["body", "keyframes", key], "Extra inputs are not permitted", frame);
      const r = checkKeyframe(frame, ["body", "keyframes", key]);
      if (r) return r;
    }
  }
  if (body.concepts !== undefined) {
    const ok = Array.isArray(body.concepts) && body.concepts.every((c) => isObj(c) && typeof c.key === "string" && Object.keys(c).length === 1);
    if (!ok) return issue("list_type", ["body", "concepts"], "Input should be a valid list of {key}", body.concepts);
  }
  if (body.prompt.includes("[forbidden]")) return { status: 400, json: { detail: "Prompt not allowed because advanced moderation failed" } };
  return startGeneration(generations, server, "video", body);
}

function startGeneration(generations: Map<string, Generation>, server: FakeServer, type: "image" | "video", body: Record<string, unknown>): FakeResponse {
  const prompt = body.prompt as string;
  const gen: Generation = {
    id: randomUUID(),
    type,
    prompt,
    states: prompt.includes("[slow]") ? ["queued"] : prompt.includes("[fail") ? ["queued", "dreaming", "failed"] : ["queued", "dreaming", "completed"],
    polls: 0,
    deleted: false,
    request: body,
  };
  generations.set(gen.id, gen);
  return { status: 201, json: view(gen, "queued", server) };
}

function view(gen: Generation, state: string, server: FakeServer): Record<string, unknown> {
  const failure =
    state !== "failed" ? null : gen.prompt.includes("[fail-moderation]") ? "Prompt failed moderation" : "Internal server error during generation";
  const asset = state === "completed" && !gen.prompt.includes("[no-asset]") ? `${server.url}/cdn/${gen.id}.${gen.type === "video" ? "mp4" : "jpg"}` : null;
  return {
    id: gen.id,
    generation_type: gen.type,
    state,
    failure_reason: failure,
    created_at: "2025-01-01T00:00:00Z",
    model: gen.request.model,
    assets: { video: gen.type === "video" ? asset : null, image: gen.type === "image" ? asset : null, progress_video: null },
    request: gen.request,
  };
}

export async function startLumaFake(): Promise<LumaFake> {
  const generations = new Map<string, Generation>();
  const server = await startFakeServer((s) => {
    s.route("POST", `${PREFIX}/generations/image`, (req, srv) => create(req, srv, generations));
    s.route("POST", `${PREFIX}/generations/video`, (req, srv) => createVideo(req, srv, generations));
    s.route("POST", `${PREFIX}/generations`, (req, srv) => createVideo(req, srv, generations));
    s.route("GET", `${PREFIX}/generations/:id`, (req, srv) => {
      const bad = checkAuth(req);
      if (bad) return bad;
      const gen = generations.get(req.params.id!);
      if (!gen || gen.deleted) return { status: 404, json: { detail: "Generation not found" } };
      const state = gen.states[Math.min(gen.polls, gen.states.length - 1)]!;
      gen.polls++;
      return { json: view(gen, state, srv) };
    });
    s.route("DELETE", `${PREFIX}/generations/:id`, (req) => {
      const bad = checkAuth(req);
      if (bad) return bad;
      const gen = generations.get(req.params.id!);
      if (!gen || gen.deleted) return { status: 404, json: { detail: "Generation not found" } };
      gen.deleted = true;
      return { status: 204 };
    });
    // The CDN serves assets without auth.
    s.route("GET", "/cdn/:name", () => ({ headers: { "content-type": "image/png" }, body: ONE_PIXEL_PNG }));
  });
  return { server, url: `${server.url}${PREFIX}`, generations, close: () => server.close() };
}
