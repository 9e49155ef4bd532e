import { randomUUID } from "node:crypto";
import { type FakeResponse, type FakeServer, type RecordedRequest, startFakeServer } from "../helpers/fake-server.js";

/**
 * A strict fake of Runway's developer API: the three task-creating endpoints with a per-model schema
 * (fields, required fields, ratio and duration values, promptImage positions), `GET /v1/tasks/{id}`
 * walking a scripted state list, and `DELETE /v1/tasks/{id}`.
 *
 * Strictness, as Runway answers: a wrong or missing key → 401; a missing or unknown
 * `X-Runway-Version` → 400; a body that is not JSON → 400 "Validation of body failed"; unknown keys →
 * 400 with zod `unrecognized_keys` issues; bad values → 400 issues with the `path`; an http (not
 * https) or IP-host URL → 400 naming the field in the text.
 *
 * Prompt markers pick the task's fate: `[moderation]` → FAILED SAFETY.INPUT.TEXT, `[internal]` →
 * FAILED INTERNAL.BAD_OUTPUT.CODE01, `[asset]` → FAILED ASSET.INVALID, `[slow]` → RUNNING forever.
 */

export const RUNWAY_KEY = "test-key-1234567890";
export const RUNWAY_VERSION = "2024-11-06";

type Endpoint = "image_to_video" | "text_to_video" | "video_to_video";

interface ModelSpec {
  fields: readonly string[];
  required: readonly string[];
  ratios?: readonly string[];
  durations?: readonly number[];
  durationRange?: { min: number; max: number };
  lastFrame?: boolean;
  targetAspectRatios?: readonly string[];
  /** Seedance 2: promptImage entries without a position are reference images (not mixable with frames). */
  referenceImages?: boolean;
  /** Seedance 2: `references: [{uri}]`, up to this many (gen4_aleph: `[{type: "image", uri}]`, one). */
  plainReferences?: number;
}

const GEN4 = ["1280:720", "720:1280", "1104:832", "832:1104", "960:960", "1584:672"];
const VEO = ["1280:720", "720:1280", "1080:1920", "1920:1080"];
const SEEDANCE_720 = ["992:432", "864:496", "752:560", "640:640", "560:752", "496:864", "1470:630", "1280:720", "1112:834", "960:960", "834:1112", "720:1280"];
const SEEDANCE_ALL = [...SEEDANCE_720, "2206:946", "1920:1080", "1664:1248", "1440:1440", "1248:1664", "1080:1920", "3840:1646", "3840:2160", "3840:2880", "3840:3840", "2880:3840", "2160:3840"];
const SEEDANCE_MODELS = { seedance2: SEEDANCE_ALL, seedance2_fast: SEEDANCE_720, seedance2_mini: SEEDANCE_720 } as const;
/** Seedance 2 on each endpoint: the input field, the optional fields, and its ratios per variant. */
function seedance(input: "promptImage" | "promptVideo" | undefined, extra: readonly string[]): Record<string, ModelSpec> {
  const fields = ["model", "promptText", "ratio", "duration", "audio", "referenceAudio", ...(input ? [input] : []), ...extra];
  return Object.fromEntries(
    Object.entries(SEEDANCE_MODELS).map(([model, ratios]) => [
      model,
      {
        fields,
        required: ["model", ...(input ? [input] : ["promptText"])],
        ratios,
        durationRange: { min: 4, max: 15 },
        lastFrame: true,
        referenceImages: true,
        plainReferences: 9,
      },
    ]),
  );
}
const I2V_GEN = ["model", "promptImage", "promptText", "ratio", "duration", "seed", "contentModeration"];

const SPECS: Record<Endpoint, Record<string, ModelSpec>> = {
  image_to_video: {
    gen4_turbo: { fields: I2V_GEN, required: ["model", "promptImage", "ratio"], ratios: GEN4, durations: [5, 10] },
    "gen4.5": { fields: I2V_GEN, required: ["model", "promptImage", "promptText", "ratio", "duration"], ratios: GEN4, durationRange: { min: 2, max: 10 } },
    gen3a_turbo: { fields: I2V_GEN, required: ["model", "promptImage", "promptText"], ratios: ["1280:768", "768:1280"], durations: [5, 10], lastFrame: true },
    veo3: { fields: ["model", "promptImage", "promptText", "ratio", "duration", "negativePrompt"], required: ["model", "promptImage", "ratio", "duration"], ratios: VEO, durations: [8] },
    "veo3.1": { fields: ["model", "promptImage", "promptText", "ratio", "duration", "negativePrompt", "audio"], required: ["model", "promptImage", "ratio"], ratios: VEO, durations: [4, 6, 8], lastFrame: true },
    "veo3.1_fast": { fields: ["model", "promptImage", "promptText", "ratio", "duration", "negativePrompt", "audio"], required: ["model", "promptImage", "ratio"], ratios: VEO, durations: [4, 6, 8], lastFrame: true },
    gemini_omni_flash: { fields: ["model", "promptImage", "promptText", "ratio", "duration"], required: ["model", "promptImage"], ratios: ["1280:720", "720:1280"], durationRange: { min: 3, max: 10 } },
    ...seedance("promptImage", []),
  },
  text_to_video: {
    "gen4.5": { fields: ["model", "promptText", "ratio", "duration", "seed", "contentModeration"], required: ["model", "promptText", "ratio", "duration"], ratios: ["1280:720", "720:1280"], durationRange: { min: 2, max: 10 } },
    veo3: { fields: ["model", "promptText", "ratio", "duration", "negativePrompt"], required: ["model", "promptText", "ratio", "duration"], ratios: VEO, durations: [8] },
    "veo3.1": { fields: ["model", "promptText", "ratio", "duration", "negativePrompt", "audio"], required: ["model", "promptText", "ratio"], ratios: VEO, durations: [4, 6, 8] },
    "veo3.1_fast": { fields: ["model", "promptText", "ratio", "duration", "negativePrompt", "audio"], required: ["model", "promptText", "ratio"], ratios: VEO, durations: [4, 6, 8] },
    gemini_omni_flash: { fields: ["model", "promptText", "ratio", "duration"], required: ["model", "promptText"], ratios: ["1280:720", "720:1280"], durationRange: { min: 3, max: 10 } },
    ...seedance(undefined, ["references", "referenceVideos"]),
  },
  video_to_video: {
    ...seedance("promptVideo", ["references", "referenceVideos"]),
    gen4_aleph: { fields: ["model", "promptText", "videoUri", "contentModeration", "ratio", "references", "seed"], required: ["model", "promptText", "videoUri"] },
    aleph2: {
      fields: ["model", "videoUri", "contentModeration", "keyframes", "promptText", "ratio", "seed", "targetAspectRatio"],
      required: ["model", "videoUri"],
      targetAspectRatios: ["16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "21:9"],
    },
  },
};

export interface FakeTask {
  id: string;
  endpoint: Endpoint;
  body: Record<string, unknown>;
  states: Record<string, unknown>[];
  polls: number;
  deleted: boolean;
}

export interface RunwayFake {
  server: FakeServer;
  url: string;
  tasks: Map<string, FakeTask>;
  close(): Promise<void>;
}

const bad = (error: string, issues?: unknown[]): FakeResponse => ({
  status: 400,
  json: issues ? { error, issues, docUrl: "https://docs.dev.runwayml.com/api" } : { error },
});

const issue = (code: string, path: (string | number)[], message: string, extra: Record<string, unknown> = {}) => ({ code, path, message, ...extra });

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function checkHeaders(req: RecordedRequest): FakeResponse | undefined {
  if (req.headers.authorization !== `Bearer ${RUNWAY_KEY}`) return { status: 401, json: { error: "Invalid API key" } };
  const version = req.headers["x-runway-version"];
  if (version === undefined) return bad("You must provide an API version in the X-Runway-Version header.");
  if (version !== RUNWAY_VERSION) return bad(`The API version "${version}" in the X-Runway-Version header is not valid.`);
  return undefined;
}

/** Runway fetches URLs itself: https on a domain, or a base64 data URI with a media type. */
function checkUri(value: unknown, field: string, kind: "image" | "video"): FakeResponse | undefined {
  if (typeof value !== "string") return bad("Validation of body failed", [issue("invalid_type", [field], "Expected string")]);
  if (value.startsWith("data:")) {
    if (!new RegExp(`^data:${kind}/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]+$`).test(value)) return bad(`Invalid data URI for ${field}.`);
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return bad(`Invalid URL for ${field}.`);
  }
  if (url.protocol !== "https:") return bad(`Invalid asset for ${field}: Only HTTPS URLs are allowed.`);
  if (/^[\d.]+$|^\[/.test(url.hostname)) return bad(`Invalid asset for ${field}: URLs must be hosted on a domain.`);
  return undefined;
}

function checkPromptImage(value: unknown, spec: ModelSpec): FakeResponse | undefined {
  if (typeof value === "string") return checkUri(value, "promptImage", "image");
  if (!Array.isArray(value) || value.length === 0) return bad("Validation of body failed", [issue("invalid_type", ["promptImage"], "Expected string or array")]);
  const seen = new Set<string>();
  for (const [i, item] of value.entries()) {
    if (!isObj(item)) return bad("Validation of body failed", [issue("invalid_type", ["promptImage", i], "Expected object")]);
    const extra = Object.keys(item).filter((k) => k !== "uri" && k !== "position");
    if (extra.length) return bad("Validation of body failed", [issue("unrecognized_keys", ["promptImage", i], `Unrecognized key(s) in object: ${extra.join(", ")}`, { keys: extra })]);
    const allowed = spec.lastFrame ? ["first", "last"] : ["first"];
    if (item.position === undefined && spec.referenceImages) {
      seen.add("reference");
    } else if (typeof item.position !== "string" || !allowed.includes(item.position) || seen.has(item.position)) {
      return bad("Validation of body failed", [issue("invalid_enum_value", ["promptImage", i, "position"], `Invalid enum value. Expected ${allowed.map((a) => `'${a}'`).join(" | ")}`)]);
    } else {
      seen.add(item.position);
    }
    const uriError = checkUri(item.uri, "promptImage", "image");
    if (uriError) return uriError;
  }
  if (seen.has("reference") && (seen.has("first") || seen.has("last"))) {
    return bad("Validation of body failed", [issue("custom", ["promptImage"], "Keyframe images (with a position) and reference images (without) cannot be mixed")]);
  }
  return undefined;
}

function checkBody(endpoint: Endpoint, body: Record<string, unknown>): FakeResponse | undefined {
  const spec = typeof body.model === "string" ? SPECS[endpoint][body.model] : undefined;
  if (!spec) {
    const models = Object.keys(SPECS[endpoint]);
    return bad("Validation of body failed", [issue("invalid_union_discriminator", ["model"], `Invalid discriminator value. Expected ${models.map((m) => `'${m}'`).join(" | ")}`)]);
  }
  const unknown = Object.keys(body).filter((k) => !spec.fields.includes(k));
  if (unknown.length) return bad("Validation of body failed", [issue("unrecognized_keys", [], `Unrecognized key(s) in object: ${unknown.map((k) => `'${k}'`).join(", ")}`, { keys: unknown })]);
  const missing = spec.required.find((k) => body[k] === undefined);
  if (missing) return bad("Validation of body failed", [issue("invalid_type", [missing], "Required")]);
  if (body.promptText !== undefined && (typeof body.promptText !== "string" || body.promptText.length === 0 || body.promptText.length > 1000)) {
    return bad("Validation of body failed", [issue("too_big", ["promptText"], "String must contain at most 1000 character(s)")]);
  }
  if (body.ratio !== undefined && spec.ratios && !spec.ratios.includes(body.ratio as string)) {
    return bad("Validation of body failed", [issue("invalid_enum_value", ["ratio"], `Invalid enum value. Expected ${spec.ratios.map((r) => `'${r}'`).join(" | ")}, received '${String(body.ratio)}'`)]);
  }
  if (body.targetAspectRatio !== undefined && !spec.targetAspectRatios?.includes(body.targetAspectRatio as string)) {
    return bad("Validation of body failed", [issue("invalid_enum_value", ["targetAspectRatio"], "Invalid enum value")]);
  }
  if (body.duration !== undefined) {
    const d = body.duration;
    const ok =
      typeof d === "number" &&
      (spec.durations ? spec.durations.includes(d) : spec.durationRange ? Number.isInteger(d) && d >= spec.durationRange.min && d <= spec.durationRange.max : false);
    if (!ok) return bad("Validation of body failed", [issue("invalid_literal", ["duration"], `Invalid duration ${JSON.stringify(d)}`)]);
  }
  if (body.seed !== undefined && (!Number.isInteger(body.seed) || (body.seed as number) < 0 || (body.seed as number) > 4294967295)) {
    return bad("Validation of body failed", [issue("too_big", ["seed"], "Number must be less than or equal to 4294967295")]);
  }
  for (const k of ["audio"] as const) {
    if (body[k] !== undefined && typeof body[k] !== "boolean") return bad("Validation of body failed", [issue("invalid_type", [k], "Expected boolean")]);
  }
  if (body.negativePrompt !== undefined && typeof body.negativePrompt !== "string") return bad("Validation of body failed", [issue("invalid_type", ["negativePrompt"], "Expected string")]);
  if (body.contentModeration !== undefined) {
    const cm = body.contentModeration;
    if (!isObj(cm) || Object.keys(cm).some((k) => k !== "publicFigureThreshold") || (cm.publicFigureThreshold !== undefined && !["auto", "low"].includes(cm.publicFigureThreshold as string))) {
      return bad("Validation of body failed", [issue("invalid_type", ["contentModeration"], "Expected { publicFigureThreshold?: 'auto' | 'low' }")]);
    }
  }
  if (body.promptImage !== undefined) {
    const e = checkPromptImage(body.promptImage, spec);
    if (e) return e;
  }
  if (body.videoUri !== undefined) {
    const e = checkUri(body.videoUri, "videoUri", "video");
    if (e) return e;
  }
  if (body.promptVideo !== undefined) {
    const e = checkUri(body.promptVideo, "promptVideo", "video");
    if (e) return e;
  }
  if (body.references !== undefined && spec.plainReferences !== undefined) {
    if (!Array.isArray(body.references) || body.references.length > spec.plainReferences) {
      return bad("Validation of body failed", [issue("too_big", ["references"], `Array must contain at most ${spec.plainReferences} element(s)`)]);
    }
    for (const [i, r] of body.references.entries()) {
      if (!isObj(r) || Object.keys(r).some((k) => k !== "uri")) return bad("Validation of body failed", [issue("invalid_type", ["references", i], "Expected { uri }")]);
      const e = checkUri(r.uri, "references", "image");
      if (e) return e;
    }
  } else if (body.references !== undefined) {
    if (!Array.isArray(body.references) || body.references.length > 1) return bad("Validation of body failed", [issue("too_big", ["references"], "Array must contain at most 1 element(s)")]);
    for (const [i, r] of body.references.entries()) {
      if (!isObj(r) || r.type !== "image" || Object.keys(r).some((k) => k !== "type" && k !== "uri")) {
        return bad("Validation of body failed", [issue("invalid_type", ["references", i], "Expected { type: 'image', uri }")]);
      }
      const e = checkUri(r.uri, "references", "image");
      if (e) return e;
    }
  }
  if (body.keyframes !== undefined) {
    if (!Array.isArray(body.keyframes) || body.keyframes.length > 5) return bad("Validation of body failed", [issue("too_big", ["keyframes"], "Array must contain at most 5 element(s)")]);
    for (const [i, k] of body.keyframes.entries()) {
      const okShape = isObj(k) && (typeof k.at === "number" ? k.at >= 0 && k.at <= 1 : typeof k.seconds === "number") && Object.keys(k).every((x) => ["at", "seconds", "uri", "range"].includes(x));
      if (!okShape) return bad("Validation of body failed", [issue("invalid_union", ["keyframes", i], "Invalid input")]);
      const e = checkUri(k.uri, "keyframes", "image");
      if (e) return e;
    }
  }
  return undefined;
}

function statesFor(id: string, prompt: string, outputUrl: (taskId: string) => string): Record<string, unknown>[] {
  const createdAt = new Date().toISOString();
  const t = (status: string, extra: Record<string, unknown> = {}) => ({ id, createdAt, status, ...extra });
  if (prompt.includes("[moderation]")) {
    return [t("PENDING"), t("FAILED", { failure: "The prompt text did not pass our content moderation.", failureCode: "SAFETY.INPUT.TEXT" })];
  }
  if (prompt.includes("[internal]")) {
    return [t("RUNNING", { progress: 0.5 }), t("FAILED", { failure: "An unexpected error occurred.", failureCode: "INTERNAL.BAD_OUTPUT.CODE01" })];
  }
  if (prompt.includes("[asset]")) return [t("FAILED", { failure: "Invalid asset: promptImage could not be decoded.", failureCode: "ASSET.INVALID" })];
  if (prompt.includes("[slow]")) return [t("PENDING"), t("RUNNING", { progress: 0.1 })];
  return [
    t("PENDING"),
    t("THROTTLED"),
    t("RUNNING", { progress: 0.25 }),
    t("RUNNING", { progress: 0.75 }),
    t("SUCCEEDED", { output: [outputUrl(id)] }),
  ];
}

/** `outputUrl` points finished tasks at another host (a CDN stub serving real bytes). */
export async function startRunwayFake(options: { outputUrl?: (taskId: string) => string } = {}): Promise<RunwayFake> {
  const outputUrl = options.outputUrl ?? ((id: string) => `https://dnznrvs05pmza.cloudfront.net/${id}/video.mp4?_jwt=fake`);
  const tasks = new Map<string, FakeTask>();
  const server = await startFakeServer();

  const create = (endpoint: Endpoint) => (req: RecordedRequest): FakeResponse => {
    const denied = checkHeaders(req);
    if (denied) return denied;
    if (req.contentType !== "application/json" || !isObj(req.json)) {
      return bad("Validation of body failed", [issue("invalid_type", [], "Expected object, received undefined")]);
    }
    const body = req.json;
    const invalid = checkBody(endpoint, body);
    if (invalid) return invalid;
    const id = randomUUID();
    tasks.set(id, { id, endpoint, body, states: statesFor(id, String(body.promptText ?? ""), outputUrl), polls: 0, deleted: false });
    return { status: 200, json: { id } };
  };

  for (const endpoint of ["image_to_video", "text_to_video", "video_to_video"] as const) server.route("POST", `/v1/${endpoint}`, create(endpoint));

  server.route("GET", "/v1/tasks/:id", (req) => {
    const denied = checkHeaders(req);
    if (denied) return denied;
    const task = tasks.get(req.params.id!);
    if (!task || (task.deleted && task.states.at(-1)?.status !== "CANCELLED")) return { status: 404, json: { error: "Task not found." } };
    const state = task.states[Math.min(task.polls, task.states.length - 1)]!;
    task.polls++;
    return { json: state };
  });

  server.route("DELETE", "/v1/tasks/:id", (req) => {
    const denied = checkHeaders(req);
    if (denied) return denied;
    const task = tasks.get(req.params.id!);
    if (!task || task.deleted) return { status: 404, json: { error: "Task not found." } };
    task.deleted = true;
    const current = task.states[Math.min(task.polls, task.states.length - 1)]!;
    if (["PENDING", "THROTTLED", "RUNNING"].includes(current.status as string)) {
      task.states = [{ id: task.id, createdAt: current.createdAt, status: "CANCELLED" }];
      task.polls = 0;
    }
    return { status: 204 };
  });

  return { server, url: server.url, tasks, close: () => server.close() };
}
