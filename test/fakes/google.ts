import sharp from "sharp";
import { type FakeResponse, type FakeServer, ONE_PIXEL_PNG, type RecordedRequest, startFakeServer } from "../helpers/fake-server.js";

/**
 * A strict fake of Google's image APIs: the Gemini API (`/v1beta/models/{m}:generateContent`), Vertex AI
 * (`/v1/projects/{p}/locations/{l}/publishers/google/models/{m}:generateContent|:predict`) and Vertex
 * express mode. It answers bad credentials, unknown fields, bad values and wrong content types with
 * Google's own error bodies (google.rpc.Status), and a 200 that carries a safety block where Google does.
 *
 * Prompt keywords pick an outcome: `block-prompt` (promptFeedback.blockReason), `unsafe-image`
 * (finishReason IMAGE_SAFETY; `unsafe-image:SAFETY` etc. for another reason), `text-only` (STOP with text
 * and no image), `storyboard` (three image parts interleaved with text, as for "tell a story in pictures"),
 * `rai-all` / `rai-some` (Imagen).
 */

export const GOOGLE_FAKE_KEY = "test-key-1234567890";
export const GOOGLE_FAKE_TOKEN = "ya29.fake-oauth-access-token-0987654321";
export const PNG_BASE64 = ONE_PIXEL_PNG.toString("base64");
/** The `storyboard` frames: PNGs 1, 2 and 3 px wide, so a test can tell them apart and check their order. */
export const STORYBOARD_FRAMES: readonly Buffer[] = await Promise.all(
  [1, 2, 3].map((width) => sharp({ create: { width, height: 1, channels: 3, background: { r: 40 * width, g: 0, b: 0 } } }).png().toBuffer()),
);

export type Backend = "gemini" | "vertex" | "express";
export type Spec = { [field: string]: Spec | true };

const GEMINI_MODELS = new Set(["gemini-2.5-flash-image", "gemini-3-pro-image-preview", "gemini-3.1-flash-image-preview", "gemini-experimental-image"]);
const IMAGEN_MODELS = new Set(["imagen-4.0-generate-001", "imagen-4.0-ultra-generate-001", "imagen-4.0-fast-generate-001"]);
const RATIOS = ["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9", "1:4", "4:1", "1:8", "8:1"];
const IMAGEN_RATIOS = ["1:1", "3:4", "4:3", "9:16", "16:9"];

const PART: Spec = { text: true, thought: true, thoughtSignature: true, inlineData: { mimeType: true, data: true }, fileData: { mimeType: true, fileUri: true } };
const IMAGE_CONFIG: Spec = { aspectRatio: true, imageSize: true };
const VERTEX_IMAGE_CONFIG: Spec = { ...IMAGE_CONFIG, personGeneration: true, prominentPeople: true, imageOutputOptions: { mimeType: true, compressionQuality: true }, outputMimeType: true, outputCompressionQuality: true };
const GENERATION_CONFIG: Spec = {
  responseModalities: true,
  seed: true,
  temperature: true,
  topP: true,
  topK: true,
  candidateCount: true,
  maxOutputTokens: true,
  stopSequences: true,
  responseMimeType: true,
  thinkingConfig: { thinkingBudget: true, thinkingLevel: true, includeThoughts: true },
  presencePenalty: true,
  frequencyPenalty: true,
  mediaResolution: true,
};
const GENERATE_CONTENT: Spec = {
  contents: { role: true, parts: PART },
  generationConfig: { ...GENERATION_CONFIG, imageConfig: IMAGE_CONFIG },
  safetySettings: { category: true, threshold: true, method: true },
  tools: true,
  toolConfig: true,
  systemInstruction: true,
  cachedContent: true,
};
const VERTEX_GENERATE_CONTENT: Spec = {
  ...GENERATE_CONTENT,
  generationConfig: { ...GENERATION_CONFIG, imageConfig: VERTEX_IMAGE_CONFIG },
  labels: true,
};
const IMAGE_BYTES: Spec = { bytesBase64Encoded: true, gcsUri: true, mimeType: true };
const PREDICT: Spec = {
  instances: {
    prompt: true,
    referenceImages: { referenceType: true, referenceId: true, referenceImage: IMAGE_BYTES, maskImageConfig: { maskMode: true, dilation: true }, subjectImageConfig: true, styleImageConfig: true },
  },
  parameters: {
    sampleCount: true,
    aspectRatio: true,
    sampleImageSize: true,
    seed: true,
    negativePrompt: true,
    enhancePrompt: true,
    personGeneration: true,
    safetySetting: true,
    addWatermark: true,
    includeRaiReason: true,
    includeSafetyAttributes: true,
    guidanceScale: true,
    language: true,
    storageUri: true,
    outputOptions: { mimeType: true, compressionQuality: true },
    editMode: true,
    editConfig: true,
  },
  labels: true,
};

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

export function rpcError(code: number, status: string, message: string, details?: unknown[]): FakeResponse {
  return { status: code, json: { error: { code, message, status, ...(details ? { details } : {}) } } };
}

export function badRequest(message: string, field: string): FakeResponse {
  return rpcError(400, "INVALID_ARGUMENT", message, [
    { "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations: [{ field, description: message }] },
  ]);
}

/** The first field not in `spec`, as Google reports it: `Unknown name "x" at 'a.b': Cannot find field.` */
export function unknownField(value: unknown, spec: Spec, path: string): FakeResponse | undefined {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = unknownField(item, spec, `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value === null || typeof value !== "object") return undefined;
  for (const [key, child] of Object.entries(value)) {
    const sub = spec[camel(key)];
    if (sub === undefined) {
      const message = `Invalid JSON payload received. Unknown name "${key}"${path ? ` at '${path}'` : ""}: Cannot find field.`;
      return badRequest(message, path);
    }
    if (sub !== true) {
      const found = unknownField(child, sub, path ? `${path}.${snake(camel(key))}` : snake(camel(key)));
      if (found) return found;
    }
  }
  return undefined;
}

export function get(obj: unknown, ...keys: string[]): unknown {
  let cur = obj;
  for (const k of keys) {
    if (cur === null || typeof cur !== "object") return undefined;
    const rec = cur as Record<string, unknown>;
    cur = rec[k] ?? rec[snake(k)];
  }
  return cur;
}

export function authError(req: RecordedRequest, backend: Backend, tokens: readonly string[]): FakeResponse | undefined {
  if (backend === "vertex") {
    const auth = req.headers.authorization;
    if (!auth) {
      return rpcError(401, "UNAUTHENTICATED", "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.", [
        { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "CREDENTIALS_MISSING", domain: "googleapis.com", metadata: { service: "aiplatform.googleapis.com" } },
      ]);
    }
    const token = /^Bearer (.+)$/.exec(auth)?.[1];
    if (!token || !tokens.includes(token)) {
      return rpcError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.", [
        { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "ACCESS_TOKEN_TYPE_UNSUPPORTED", domain: "googleapis.com", metadata: { service: "aiplatform.googleapis.com" } },
      ]);
    }
    return undefined;
  }
  const key = req.headers["x-goog-api-key"] ?? req.query.get("key");
  const service = backend === "gemini" ? "generativelanguage.googleapis.com" : "aiplatform.googleapis.com";
  if (!key) {
    return rpcError(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
  }
  if (key !== GOOGLE_FAKE_KEY) {
    return rpcError(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", [
      { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com", metadata: { service } },
      { "@type": "type.googleapis.com/google.rpc.LocalizedMessage", locale: "en-US", message: "API key not valid. Please pass a valid API key." },
    ]);
  }
  return undefined;
}

let responseCounter = 0;

function imageTokens(model: string, size: unknown): number {
  if (model === "gemini-2.5-flash-image") return 1290;
  if (model === "gemini-3-pro-image-preview") return size === "4K" ? 2000 : 1120;
  return size === "4K" ? 2520 : size === "2K" ? 1680 : size === "512" ? 747 : 1120;
}

function generateContent(body: unknown, model: string, backend: Backend): FakeResponse {
  const invalid = unknownField(body, backend === "gemini" ? GENERATE_CONTENT : VERTEX_GENERATE_CONTENT, "");
  if (invalid) return invalid;
  const contents = get(body, "contents");
  const parts = Array.isArray(contents) ? get(contents[0], "parts") : undefined;
  if (!Array.isArray(parts) || parts.length === 0) return badRequest("* GenerateContentRequest.contents: contents is not specified", "contents");
  let inputImages = 0;
  for (const [i, part] of parts.entries()) {
    // A part is a protobuf oneof: exactly one of text / inlineData / fileData, as Google's parser enforces.
    const fields = ["text", "inlineData", "fileData"].filter((k) => get(part, k) !== undefined);
    if (fields.length === 0) {
      return badRequest(`* GenerateContentRequest.contents[0].parts[${i}].data: required oneof field 'data' must have one initialized field`, `contents[0].parts[${i}].data`);
    }
    if (fields.length > 1) {
      return badRequest(`Invalid value at 'contents[0].parts[${i}]' (oneof), oneof field 'data' is already set. Cannot overwrite with '${snake(fields[1]!)}'`, `contents[0].parts[${i}]`);
    }
    const inline = get(part, "inlineData");
    if (inline === undefined) continue;
    const mime = get(inline, "mimeType");
    const data = get(inline, "data");
    if (typeof mime !== "string" || !mime.startsWith("image/")) return badRequest(`Unsupported MIME type: ${String(mime)}`, `contents[0].parts[${i}].inline_data.mime_type`);
    if (typeof data !== "string" || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) {
      return badRequest(`Invalid value at 'contents[0].parts[${i}].inline_data.data' (TYPE_BYTES), Base64 decoding failed`, `contents[0].parts[${i}].inline_data.data`);
    }
    inputImages++;
  }
  const imageConfig = get(body, "generationConfig", "imageConfig");
  const ratio = get(imageConfig, "aspectRatio");
  if (ratio !== undefined && !RATIOS.includes(String(ratio))) {
    return badRequest(`* GenerateContentRequest.generation_config.image_config.aspect_ratio: Unsupported aspect ratio ${String(ratio)}`, "generation_config.image_config.aspect_ratio");
  }
  const size = get(imageConfig, "imageSize");
  // 512 (0.5K) is a tier of 3.1 Flash Image only.
  const sizes = model === "gemini-3.1-flash-image-preview" ? ["512", "1K", "2K", "4K"] : ["1K", "2K", "4K"];
  if (size !== undefined && !sizes.includes(String(size))) {
    return badRequest(`* GenerateContentRequest.generation_config.image_config.image_size: Unsupported image size ${String(size)}`, "generation_config.image_config.image_size");
  }
  const modalities = get(body, "generationConfig", "responseModalities");
  if (modalities !== undefined && (!Array.isArray(modalities) || modalities.some((m) => !["TEXT", "IMAGE"].includes(String(m))))) {
    return badRequest("* GenerateContentRequest.generation_config.response_modalities: unsupported modality", "generation_config.response_modalities");
  }
  // ["IMAGE"] asks for images only: Google then sends no text parts (thoughts aside).
  const imageOnly = Array.isArray(modalities) && !modalities.includes("TEXT");
  const prompt = parts.map((p) => get(p, "text")).filter((t) => typeof t === "string").join(" ");
  const promptTokens = 10 + inputImages * 258;
  const usageBase = { promptTokenCount: promptTokens, promptTokensDetails: [{ modality: "TEXT", tokenCount: 10 }, ...(inputImages ? [{ modality: "IMAGE", tokenCount: inputImages * 258 }] : [])] };
  const responseId = `resp-${++responseCounter}`;
  if (prompt.includes("block-prompt")) {
    return { json: { promptFeedback: { blockReason: "PROHIBITED_CONTENT" }, usageMetadata: { ...usageBase, totalTokenCount: promptTokens }, modelVersion: model, responseId } };
  }
  const unsafe = /unsafe-image(?::([A-Z_]+))?/.exec(prompt);
  if (unsafe) {
    return {
      json: {
        candidates: [{ finishReason: unsafe[1] ?? "IMAGE_SAFETY", finishMessage: "Unable to show the generated image.", index: 0 }],
        usageMetadata: { ...usageBase, totalTokenCount: promptTokens },
        modelVersion: model,
        responseId,
      },
    };
  }
  if (prompt.includes("text-only")) {
    return {
      json: {
        candidates: [{ content: { role: "model", parts: [{ text: "I can only describe it: a quiet harbour." }] }, finishReason: "STOP", index: 0 }],
        usageMetadata: { ...usageBase, candidatesTokenCount: 9, totalTokenCount: promptTokens + 9 },
        modelVersion: model,
        responseId,
      },
    };
  }
  const tokens = imageTokens(model, size);
  if (prompt.includes("storyboard")) {
    const frame = (caption: string, i: number) => [...(imageOnly ? [] : [{ text: caption }]), { inlineData: { mimeType: "image/png", data: STORYBOARD_FRAMES[i]!.toString("base64") } }];
    return {
      json: {
        candidates: [
          {
            content: { role: "model", parts: [...frame("Dawn.", 0), ...frame("Noon.", 1), ...frame("Dusk.", 2)] },
            finishReason: "STOP",
            index: 0,
          },
        ],
        usageMetadata: {
          ...usageBase,
          candidatesTokenCount: 3 * tokens + 6,
          totalTokenCount: promptTokens + 3 * tokens + 6,
          candidatesTokensDetails: [{ modality: "TEXT", tokenCount: 6 }, { modality: "IMAGE", tokenCount: 3 * tokens }],
        },
        modelVersion: model,
        responseId,
      },
    };
  }
  const thinking = model.startsWith("gemini-3")
    ? [{ text: "Planning the composition.", thought: true }, { inlineData: { mimeType: "image/png", data: PNG_BASE64 }, thought: true }]
    : [];
  return {
    json: {
      candidates: [
        {
          content: {
            role: "model",
            parts: [...thinking, ...(imageOnly ? [] : [{ text: "Here is your image." }]), { inlineData: { mimeType: "image/png", data: PNG_BASE64 }, thoughtSignature: "c2ln" }],
          },
          finishReason: "STOP",
          index: 0,
        },
      ],
      usageMetadata: {
        ...usageBase,
        candidatesTokenCount: tokens,
        totalTokenCount: promptTokens + tokens,
        candidatesTokensDetails: [{ modality: "IMAGE", tokenCount: tokens }],
      },
      modelVersion: model,
      responseId,
    },
  };
}

function predict(body: unknown): FakeResponse {
  const invalid = unknownField(body, PREDICT, "");
  if (invalid) return invalid;
  const instances = get(body, "instances");
  const prompt = Array.isArray(instances) ? get(instances[0], "prompt") : undefined;
  if (typeof prompt !== "string" || !prompt) return rpcError(400, "INVALID_ARGUMENT", "Image generation failed with the following error: The prompt could not be empty.");
  const params = get(body, "parameters");
  const count = (get(params, "sampleCount") as number | undefined) ?? 4;
  if (!Number.isInteger(count) || count < 1 || count > 4) return rpcError(400, "INVALID_ARGUMENT", `Image generation failed with the following error: sampleCount must be in [1, 4], got ${count}.`);
  const ratio = get(params, "aspectRatio");
  if (ratio !== undefined && !IMAGEN_RATIOS.includes(String(ratio))) return rpcError(400, "INVALID_ARGUMENT", `Image generation failed with the following error: Unsupported aspect ratio ${String(ratio)}.`);
  if (get(params, "seed") !== undefined && get(params, "addWatermark") !== false) {
    return rpcError(400, "INVALID_ARGUMENT", "Image generation failed with the following error: Seed is not supported when watermark is enabled.");
  }
  const mimeType = (get(params, "outputOptions", "mimeType") as string | undefined) ?? "image/png";
  const enhanced = get(params, "enhancePrompt") === true ? `${prompt}, highly detailed, soft light` : undefined;
  if (prompt.includes("rai-all")) return { json: {} };
  const image = { bytesBase64Encoded: PNG_BASE64, mimeType, ...(enhanced ? { prompt: enhanced } : {}) };
  if (prompt.includes("rai-some")) {
    return { json: { predictions: [image, { raiFilteredReason: "Your current safety filter threshold filtered out 1 generated images. Support codes: 56562880" }] } };
  }
  return { json: { predictions: Array.from({ length: count }, () => image) } };
}

export interface GoogleFakeOptions {
  /** Bearer tokens Vertex accepts (default: GOOGLE_FAKE_TOKEN). */
  tokens?: readonly string[];
}

export async function startGoogleFake(options: GoogleFakeOptions = {}): Promise<FakeServer> {
  const tokens = options.tokens ?? [GOOGLE_FAKE_TOKEN];
  const handle = (backend: Backend) => (req: RecordedRequest): FakeResponse => {
    const auth = authError(req, backend, tokens);
    if (auth) return auth;
    if (req.contentType !== "application/json") {
      return rpcError(400, "INVALID_ARGUMENT", `Invalid JSON payload received. Unexpected token.\n${req.text.slice(0, 20)}\n^`);
    }
    if (req.json === undefined) return rpcError(400, "INVALID_ARGUMENT", "Invalid JSON payload received. Unexpected end of string.");
    const [model = "", method = ""] = (req.params.action ?? "").split(":");
    const notFound = () =>
      rpcError(404, "NOT_FOUND", backend === "gemini"
        ? `models/${model} is not found for API version v1beta, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`
        : `Publisher Model \`projects/p/locations/l/publishers/google/models/${model}\` was not found or your project does not have access to it.`);
    if (method === "generateContent" && GEMINI_MODELS.has(model)) return generateContent(req.json, model, backend);
    // Imagen is served on Vertex only; the Gemini API shut it down.
    if (method === "predict" && IMAGEN_MODELS.has(model) && backend !== "gemini") return predict(req.json);
    return notFound();
  };
  return startFakeServer((s) => {
    s.route("POST", "/v1beta/models/:action", handle("gemini"));
    s.route("POST", "/v1/projects/:project/locations/:location/publishers/google/models/:action", handle("vertex"));
    s.route("POST", "/v1/publishers/google/models/:action", handle("express"));
  });
}
