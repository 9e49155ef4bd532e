import { type FakeResponse, type FakeServer, type RecordedRequest, startFakeServer } from "../helpers/fake-server.js";
import { type Backend, GOOGLE_FAKE_TOKEN, type Spec, authError, badRequest, get, rpcError, unknownField } from "./google.js";

/**
 * A strict fake of Veo: `:predictLongRunning` on the Gemini API (`/v1beta/models/{m}`), Vertex AI
 * (`/v1/projects/{p}/locations/{l}/publishers/google/models/{m}`) and Vertex express mode; operation
 * polling (`GET /v1beta/{name}` on Gemini, `POST …:fetchPredictOperation` on Vertex, where a GET is not
 * served); key-authenticated file downloads (`GET /v1beta/files/{id}:download?alt=media`).
 *
 * Operations finish after `pollsUntilDone` status checks. Prompt keywords pick an outcome: `rai-filter`
 * (done, no samples, raiMediaFilteredCount), `rai-some` (one sample fewer than asked), `op-invalid`
 * (error code 3), `op-internal` (code 13), `op-guidelines` (code 3 with Veo's safety wording),
 * `never-done` (stays running), `big-file` (the file is `bigFileBytes` long).
 */

export const VEO_MODELS = new Map<string, { durations: number[]; resolutions: string[] }>([
  ["veo-2.0-generate-001", { durations: [5, 6, 7, 8], resolutions: ["720p"] }],
  ["veo-3.0-generate-001", { durations: [4, 6, 8], resolutions: ["720p", "1080p"] }],
  ["veo-3.0-fast-generate-001", { durations: [4, 6, 8], resolutions: ["720p", "1080p"] }],
  ["veo-3.1-generate-preview", { durations: [4, 6, 8], resolutions: ["720p", "1080p", "4k"] }],
  ["veo-3.1-fast-generate-preview", { durations: [4, 6, 8], resolutions: ["720p", "1080p", "4k"] }],
  ["veo-3.1-generate-001", { durations: [4, 6, 8], resolutions: ["720p", "1080p", "4k"] }],
  ["veo-3.1-fast-generate-001", { durations: [4, 6, 8], resolutions: ["720p", "1080p", "4k"] }],
]);

/** A small valid-looking MP4 (an `ftyp` box, then padding). */
export function mp4Bytes(size: number, fill = 0x2e): Uint8Array {
  const out = new Uint8Array(Math.max(size, 32)).fill(fill);
  out.set([0, 0, 0, 0x18], 0);
  out.set(new TextEncoder().encode("ftypmp42"), 4);
  return out;
}
export const SMALL_MP4 = mp4Bytes(2048);

const GEMINI_IMAGE: Spec = { bytesBase64Encoded: true, mimeType: true };
const VERTEX_MEDIA: Spec = { bytesBase64Encoded: true, gcsUri: true, mimeType: true };

const GEMINI_PARAMETERS: Spec = {
  sampleCount: true,
  durationSeconds: true,
  aspectRatio: true,
  resolution: true,
  negativePrompt: true,
  enhancePrompt: true,
  personGeneration: true,
};
const GEMINI_BODY: Spec = {
  instances: {
    prompt: true,
    image: GEMINI_IMAGE,
    lastFrame: GEMINI_IMAGE,
    referenceImages: { image: GEMINI_IMAGE, referenceType: true },
    video: { uri: true, encodedVideo: true, encoding: true },
  },
  parameters: GEMINI_PARAMETERS,
  webhookConfig: { uris: true, userMetadata: true },
};
const VERTEX_BODY: Spec = {
  instances: {
    prompt: true,
    image: VERTEX_MEDIA,
    lastFrame: VERTEX_MEDIA,
    video: VERTEX_MEDIA,
    referenceImages: { image: VERTEX_MEDIA, referenceType: true },
    mask: { ...VERTEX_MEDIA, maskMode: true },
  },
  parameters: {
    ...GEMINI_PARAMETERS,
    seed: true,
    generateAudio: true,
    storageUri: true,
    fps: true,
    pubsubTopic: true,
    compressionQuality: true,
    resizeMode: true,
  },
  labels: true,
};

interface Operation {
  name: string;
  model: string;
  backend: Backend;
  prompt: string;
  count: number;
  storageUri: string | undefined;
  polls: number;
}

export interface GoogleVideoFake extends FakeServer {
  /** Status checks before an operation reports `done` (default 2). */
  pollsUntilDone: number;
  /** Size of the file served for a `big-file` prompt. */
  bigFileBytes: number;
  /** The bytes of the big file, allocated once so a test can measure memory around its download. */
  readonly bigFile: Uint8Array;
  readonly operations: Map<string, Operation>;
}

function validateValues(body: unknown, model: string, backend: Backend): FakeResponse | undefined {
  const spec = VEO_MODELS.get(model)!;
  const instance = (get(body, "instances") as unknown[] | undefined)?.[0];
  const prompt = get(instance, "prompt");
  if (typeof prompt !== "string" || !prompt.trim()) return badRequest("A prompt is required.", "instances[0].prompt");
  for (const key of ["image", "lastFrame"]) {
    const media = get(instance, key);
    if (media === undefined) continue;
    const mime = get(media, "mimeType");
    const data = get(media, "bytesBase64Encoded");
    if (backend === "gemini" && get(media, "gcsUri") !== undefined) return badRequest("gcsUri is not supported in Gemini API.", `instances[0].${key}.gcs_uri`);
    if (typeof mime !== "string" || !mime.startsWith("image/")) return badRequest(`Unsupported MIME type for ${key}: ${String(mime)}`, `instances[0].${key}.mime_type`);
    if (typeof data !== "string" || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) return badRequest(`Invalid value at 'instances[0].${key}.bytes_base64_encoded' (TYPE_BYTES)`, `instances[0].${key}.bytes_base64_encoded`);
  }
  if (get(instance, "lastFrame") !== undefined && get(instance, "image") === undefined) {
    return badRequest("lastFrame requires image to be set.", "instances[0].last_frame");
  }
  const refs = get(instance, "referenceImages");
  if (Array.isArray(refs)) {
    if (refs.length > 3) return badRequest("At most 3 reference images are supported.", "instances[0].reference_images");
    for (const [i, ref] of refs.entries()) {
      const type = String(get(ref, "referenceType"));
      if (!["asset", "style", "ASSET", "STYLE"].includes(type)) return badRequest(`Invalid referenceType ${type}.`, `instances[0].reference_images[${i}].reference_type`);
    }
  }
  const params = get(body, "parameters");
  const count = get(params, "sampleCount");
  if (count !== undefined && (!Number.isInteger(count) || (count as number) < 1 || (count as number) > 4)) {
    return badRequest(`sampleCount must be between 1 and 4, got ${String(count)}.`, "parameters.sample_count");
  }
  const duration = get(params, "durationSeconds");
  if (duration !== undefined && !spec.durations.includes(duration as number)) {
    return badRequest(`The number value for durationSeconds is out of bound. Allowed: ${spec.durations.join(", ")}.`, "parameters.duration_seconds");
  }
  const ratio = get(params, "aspectRatio");
  if (ratio !== undefined && !["16:9", "9:16"].includes(String(ratio))) return badRequest(`Unsupported aspect ratio ${String(ratio)}.`, "parameters.aspect_ratio");
  const resolution = get(params, "resolution");
  if (resolution !== undefined && !spec.resolutions.includes(String(resolution))) return badRequest(`Unsupported resolution ${String(resolution)}.`, "parameters.resolution");
  if ((resolution === "1080p" || resolution === "4k") && duration !== undefined && duration !== 8) {
    return badRequest(`${String(resolution)} requires durationSeconds 8.`, "parameters.duration_seconds");
  }
  const person = get(params, "personGeneration");
  if (person !== undefined && !["dont_allow", "allow_adult", "allow_all"].includes(String(person))) {
    return badRequest(`Invalid personGeneration ${String(person)}.`, "parameters.person_generation");
  }
  const storage = get(params, "storageUri");
  if (storage !== undefined && !/^gs:\/\/[^/]+/.test(String(storage))) return badRequest("storageUri must be a gs:// URI.", "parameters.storage_uri");
  return undefined;
}

function operationJson(fake: GoogleVideoFake, op: Operation): unknown {
  const running = { name: op.name, done: false, metadata: { "@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningMetadata" } };
  if (op.prompt.includes("never-done") || op.polls < fake.pollsUntilDone) return running;
  if (op.prompt.includes("op-invalid")) return { name: op.name, done: true, error: { code: 3, message: "Input image has an unsupported aspect ratio." } };
  if (op.prompt.includes("op-internal")) return { name: op.name, done: true, error: { code: 13, message: "Internal error encountered." } };
  if (op.prompt.includes("op-guidelines")) {
    return {
      name: op.name,
      done: true,
      error: { code: 3, message: "The prompt could not be submitted. This prompt contains words that violate Vertex AI's usage guidelines. Support codes: 29310472" },
    };
  }
  const filtered = op.prompt.includes("rai-filter") ? op.count : op.prompt.includes("rai-some") ? 1 : 0;
  const produced = op.count - filtered;
  const rai = filtered ? { raiMediaFilteredCount: filtered, raiMediaFilteredReasons: ["We encountered an issue with the audio for your prompt. Support codes: 58061214"] } : {};
  if (op.backend === "gemini") {
    const samples = Array.from({ length: produced }, (_, i) => {
      const file = `${op.name.split("/").pop()}-${i}${op.prompt.includes("big-file") ? "-big" : ""}`;
      return { video: { uri: `${fake.url}/v1beta/files/${file}:download?alt=media` } };
    });
    return {
      name: op.name,
      done: true,
      response: {
        "@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse",
        generateVideoResponse: { ...(produced ? { generatedSamples: samples } : {}), ...rai },
      },
    };
  }
  const videos = Array.from({ length: produced }, (_, i) =>
    op.storageUri
      ? { gcsUri: `${op.storageUri.replace(/\/$/, "")}/${op.name.split("/").pop()}/sample_${i}.mp4`, mimeType: "video/mp4" }
      : { bytesBase64Encoded: Buffer.from(mp4Bytes(2048, 0x41 + i)).toString("base64"), mimeType: "video/mp4" },
  );
  return {
    name: op.name,
    done: true,
    response: {
      "@type": "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse",
      raiMediaFilteredCount: filtered,
      ...(filtered ? { raiMediaFilteredReasons: rai.raiMediaFilteredReasons } : {}),
      ...(produced ? { videos } : {}),
    },
  };
}

export async function startGoogleVideoFake(options: { tokens?: readonly string[] } = {}): Promise<GoogleVideoFake> {
  const tokens = options.tokens ?? [GOOGLE_FAKE_TOKEN];
  const operations = new Map<string, Operation>();
  let counter = 0;
  let bigFile: Uint8Array = new Uint8Array(0);

  const jsonGuard = (req: RecordedRequest): FakeResponse | undefined => {
    if (req.contentType !== "application/json") return rpcError(400, "INVALID_ARGUMENT", `Invalid JSON payload received. Unexpected token.\n${req.text.slice(0, 20)}\n^`);
    if (req.json === undefined) return rpcError(400, "INVALID_ARGUMENT", "Invalid JSON payload received. Unexpected end of string.");
    return undefined;
  };

  const modelAction = (backend: Backend) => (req: RecordedRequest): FakeResponse => {
    const auth = authError(req, backend, tokens);
    if (auth) return auth;
    const bad = jsonGuard(req);
    if (bad) return bad;
    const [model = "", method = ""] = (req.params.action ?? "").split(":");
    const scope = backend === "vertex" ? `projects/${req.params.project}/locations/${req.params.location}/` : "";
    const modelResource = backend === "gemini" ? `models/${model}` : `${scope}publishers/google/models/${model}`;
    if (!VEO_MODELS.has(model)) {
      return rpcError(404, "NOT_FOUND", backend === "gemini"
        ? `models/${model} is not found for API version v1beta, or is not supported for ${method}.`
        : `Publisher Model \`${modelResource}\` was not found or your project does not have access to it.`);
    }
    if (method === "fetchPredictOperation" && backend !== "gemini") {
      const name = get(req.json, "operationName");
      const unknown = unknownField(req.json, { operationName: true }, "");
      if (unknown) return unknown;
      const op = typeof name === "string" ? operations.get(name) : undefined;
      if (!op || !String(name).startsWith(`${modelResource}/operations/`)) return rpcError(404, "NOT_FOUND", `Operation ${String(name)} not found.`);
      op.polls++;
      return { json: operationJson(fake, op) };
    }
    if (method !== "predictLongRunning") return rpcError(404, "NOT_FOUND", `Method ${method} not found.`);
    const unknown = unknownField(req.json, backend === "gemini" ? GEMINI_BODY : VERTEX_BODY, "");
    if (unknown) return unknown;
    const invalid = validateValues(req.json, model, backend);
    if (invalid) return invalid;
    const name = `${modelResource}/operations/op${++counter}x${Date.now().toString(36)}`;
    const storageUri = get(req.json, "parameters", "storageUri");
    operations.set(name, {
      name,
      model,
      backend,
      prompt: String(get((get(req.json, "instances") as unknown[])[0], "prompt")),
      count: (get(req.json, "parameters", "sampleCount") as number | undefined) ?? 1,
      storageUri: typeof storageUri === "string" ? storageUri : undefined,
      polls: 0,
    });
    return { json: { name } };
  };

  const server = await startFakeServer((s) => {
    s.route("POST", "/v1beta/models/:action", modelAction("gemini"));
    s.route("POST", "/v1/projects/:project/locations/:location/publishers/google/models/:action", modelAction("vertex"));
    s.route("POST", "/v1/publishers/google/models/:action", modelAction("express"));
    s.route("GET", "/v1beta/models/:model/operations/:id", (req) => {
      const auth = authError(req, "gemini", tokens);
      if (auth) return auth;
      const op = operations.get(`models/${req.params.model}/operations/${req.params.id}`);
      if (!op || op.backend !== "gemini") return rpcError(404, "NOT_FOUND", "Operation not found.");
      op.polls++;
      return { json: operationJson(fake, op) };
    });
    s.route("GET", "/v1beta/files/:file", (req) => {
      const auth = authError(req, "gemini", tokens);
      if (auth) return auth;
      const [id = "", method] = (req.params.file ?? "").split(":");
      if (method !== "download" || req.query.get("alt") !== "media") return rpcError(400, "INVALID_ARGUMENT", "Download requires alt=media.");
      const opId = id.replace(/-\d+(?:-big)?$/, "");
      if (![...operations.values()].some((o) => o.name.endsWith(`/operations/${opId}`))) return rpcError(404, "NOT_FOUND", `File ${id} not found.`);
      if (id.endsWith("-big")) return { headers: { "content-type": "video/mp4" }, body: fake.bigFile, chunkBytes: 64 * 1024 };
      return { headers: { "content-type": "video/mp4" }, body: SMALL_MP4 };
    });
  });

  const fake = Object.defineProperty(Object.assign(server, { pollsUntilDone: 2, operations, bigFileBytes: 8 * 1024 * 1024 }), "bigFile", {
    get() {
      if (bigFile.length !== fake.bigFileBytes) bigFile = mp4Bytes(fake.bigFileBytes);
      return bigFile;
    },
  }) as GoogleVideoFake;
  return fake;
}
