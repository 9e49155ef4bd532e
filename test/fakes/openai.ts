import sharp from "sharp";
import { type FakeResponse, type FakeServer, ONE_PIXEL_PNG, type RecordedRequest, startFakeServer } from "../helpers/fake-server.js";

/**
 * A strict fake of the OpenAI Images API (image-providers.md §1): bearer auth, per-model field and
 * value checks with OpenAI's real error bodies, JSON for generations and multipart for edits and
 * variations. The request handling is shared with the Azure fake.
 */

export type ImagesOp = "generations" | "edits" | "variations";
type Family = "dall-e-2" | "dall-e-3" | "gpt-image";

export const KNOWN_MODELS = [
  "dall-e-2",
  "dall-e-3",
  "gpt-image-1",
  "gpt-image-1-mini",
  "gpt-image-1.5",
  "gpt-image-2",
  "gpt-image-2-2026-04-21",
  "chatgpt-image-latest",
];

/** A prompt containing this word is refused by the (fake) safety system. */
export const BLOCKED_WORD = "FORBIDDEN";

export function familyOf(model: string): Family {
  if (model.startsWith("dall-e-2")) return "dall-e-2";
  if (model.startsWith("dall-e-3")) return "dall-e-3";
  return "gpt-image";
}

export function openAIError(status: number, message: string, param: string | null, code: string | null, type = "invalid_request_error"): FakeResponse {
  return { status, json: { error: { message, type, param, code } } };
}

const GPT_SIZES = ["1024x1024", "1536x1024", "1024x1536", "auto"];
const SIZES: Record<Family, string[]> = {
  "dall-e-2": ["256x256", "512x512", "1024x1024"],
  "dall-e-3": ["1024x1024", "1792x1024", "1024x1792"],
  "gpt-image": GPT_SIZES,
};
const QUALITIES: Record<Family, string[]> = {
  "dall-e-2": ["standard"],
  "dall-e-3": ["standard", "hd"],
  "gpt-image": ["low", "medium", "high", "auto", "standard"],
};
const TOKENS_BY_QUALITY: Record<string, number> = { low: 272, medium: 1056, high: 4160, auto: 4160, standard: 4160 };

const ALLOWED: Record<ImagesOp, Record<Family, string[]>> = {
  generations: {
    "dall-e-2": ["prompt", "model", "n", "size", "quality", "response_format", "user"],
    "dall-e-3": ["prompt", "model", "n", "size", "quality", "response_format", "style", "user"],
    "gpt-image": [
      "prompt", "model", "n", "size", "quality", "output_format", "output_compression", "background", "moderation", "stream", "partial_images", "user",
    ],
  },
  edits: {
    "dall-e-2": ["image", "prompt", "mask", "model", "n", "size", "response_format", "user", "quality"],
    "dall-e-3": [],
    "gpt-image": [
      "image", "image[]", "prompt", "mask", "model", "n", "size", "quality", "output_format", "output_compression", "background", "input_fidelity", "partial_images", "stream", "user",
    ],
  },
  variations: { "dall-e-2": ["image", "model", "n", "response_format", "size", "user"], "dall-e-3": [], "gpt-image": [] },
};

interface Fields {
  values: Record<string, string | number | boolean | unknown>;
  files: Record<string, File[]>;
}

function readFields(req: RecordedRequest): Fields {
  if (req.json && typeof req.json === "object") return { values: req.json as Record<string, unknown>, files: {} };
  const values: Record<string, unknown> = {};
  const files: Record<string, File[]> = {};
  for (const [k, v] of req.form?.entries() ?? []) {
    if (typeof v === "string") values[k] = v;
    else (files[k] ??= []).push(v);
  }
  return { values, files };
}

function invalidValue(param: string, value: unknown, allowed: string[]): FakeResponse {
  return openAIError(
    400,
    `Invalid value: '${String(value)}'. Supported values are: ${allowed.map((a) => `'${a}'`).join(", ")}.`,
    param,
    "invalid_value",
  );
}

function checkFreeSize(size: string): string | undefined {
  if (size === "auto") return undefined;
  const m = /^(\d+)x(\d+)$/.exec(size);
  if (!m) return "must be WxH";
  const w = Number(m[1]);
  const h = Number(m[2]);
  if (w % 16 || h % 16) return "both sides must be multiples of 16";
  if (Math.max(w, h) > 3840 || w * h > 3840 * 2160) return "at most 3840x2160";
  if (Math.max(w / h, h / w) > 3) return "aspect ratio must be between 1:3 and 3:1";
  return undefined;
}

async function imageBytes(format: string): Promise<Buffer> {
  if (format === "png") return ONE_PIXEL_PNG;
  const img = sharp({ create: { width: 2, height: 2, channels: 3, background: { r: 200, g: 10, b: 10 } } });
  return format === "jpeg" ? img.jpeg().toBuffer() : img.webp().toBuffer();
}

let requestCounter = 0;

/**
 * Answer one Images request for a resolved model the way OpenAI does. `defaultModel` is used when the
 * body names none (the deployments form on Azure, or OpenAI's own defaults).
 */
export async function handleImages(
  req: RecordedRequest,
  op: ImagesOp,
  resolveModel: (bodyModel: string | undefined) => string,
  extra: (family: Family) => Record<string, unknown> = () => ({}),
): Promise<FakeResponse> {
  const multipart = op !== "generations";
  if (multipart && req.contentType !== "multipart/form-data") {
    return openAIError(400, `Invalid Content-Type header (${req.contentType || "none"}), expected multipart/form-data.`, null, "invalid_content_type");
  }
  if (!multipart && req.contentType !== "application/json") {
    return openAIError(400, "We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.", null, null);
  }
  if (!multipart && req.json === undefined) {
    return openAIError(400, "We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.", null, null);
  }
  const { values, files } = readFields(req);
  const bodyModel = typeof values.model === "string" ? values.model : undefined;
  const model = resolveModel(bodyModel);
  if (!KNOWN_MODELS.includes(model)) {
    return openAIError(404, `The model \`${model}\` does not exist or you do not have access to it.`, null, "model_not_found");
  }
  const family = familyOf(model);
  const allowed = ALLOWED[op][family];
  if (allowed.length === 0) {
    return openAIError(400, `Invalid value: '${model}'. Value must be 'dall-e-2'${op === "edits" ? " or a GPT image model" : ""}.`, "model", "invalid_value");
  }
  for (const key of [...Object.keys(values), ...Object.keys(files)]) {
    if (!allowed.includes(key)) return openAIError(400, `Unknown parameter: '${key}'.`, key, "unknown_parameter");
  }
  const prompt = values.prompt;
  if (op !== "variations" && (typeof prompt !== "string" || prompt === "")) {
    return openAIError(400, "Missing required parameter: 'prompt'.", "prompt", "missing_required_parameter");
  }
  const n = values.n === undefined ? 1 : Number(values.n);
  if (!Number.isInteger(n) || n < 1 || n > 10) return openAIError(400, `Invalid 'n': integer out of range.`, "n", "invalid_value");
  if (family === "dall-e-3" && n !== 1) return openAIError(400, "You must provide n=1 for this model.", "n", "invalid_value");

  const size = values.size as string | undefined;
  if (size !== undefined) {
    if (model.startsWith("gpt-image-2")) {
      const problem = checkFreeSize(size);
      if (problem) return openAIError(400, `Invalid size '${size}': ${problem}.`, "size", "invalid_value");
    } else if (!SIZES[family].includes(size)) return invalidValue("size", size, SIZES[family]);
  }
  if (values.quality !== undefined && !QUALITIES[family].includes(String(values.quality))) {
    return invalidValue("quality", values.quality, QUALITIES[family]);
  }
  if (values.style !== undefined && !["vivid", "natural"].includes(String(values.style))) return invalidValue("style", values.style, ["vivid", "natural"]);
  if (values.response_format !== undefined && !["url", "b64_json"].includes(String(values.response_format))) {
    return invalidValue("response_format", values.response_format, ["url", "b64_json"]);
  }
  const format = String(values.output_format ?? "png");
  if (!["png", "jpeg", "webp"].includes(format)) return invalidValue("output_format", format, ["png", "jpeg", "webp"]);
  if (values.background !== undefined && !["transparent", "opaque", "auto"].includes(String(values.background))) {
    return invalidValue("background", values.background, ["transparent", "opaque", "auto"]);
  }
  if (values.background === "transparent" && format === "jpeg") {
    return openAIError(400, "Transparent background is not supported for the 'jpeg' output format. Use 'png' or 'webp'.", "background", "invalid_value");
  }
  if (values.moderation !== undefined && !["auto", "low"].includes(String(values.moderation))) return invalidValue("moderation", values.moderation, ["auto", "low"]);

  const images = [...(files.image ?? []), ...(files["image[]"] ?? [])];
  if (multipart) {
    if (images.length === 0) return openAIError(400, "Missing required parameter: 'image'.", "image", "missing_required_parameter");
    const max = family === "gpt-image" ? 16 : 1;
    if (images.length > max) return openAIError(400, `Invalid 'image': expected at most ${max} images.`, "image", "invalid_value");
    for (const file of images) {
      const ok = family === "gpt-image" ? /^image\/(png|jpeg|webp)$/.test(file.type) : file.type === "image/png";
      if (!ok) return openAIError(400, `Invalid input image - format must be in ['image/png'${family === "gpt-image" ? ", 'image/jpeg', 'image/webp'" : ""}].`, "image", "invalid_image_format");
    }
    const mask = files.mask?.[0];
    if (mask && mask.type !== "image/png") return openAIError(400, "Invalid mask image format - mask image must be a PNG.", "mask", "invalid_image_format");
  }

  if (typeof prompt === "string" && prompt.includes(BLOCKED_WORD)) {
    return family === "gpt-image"
      ? openAIError(400, "Your request was rejected by the safety system. If you believe this is an error, contact us. safety_violations=[violence].", null, "moderation_blocked", "image_generation_user_error")
      : openAIError(400, "Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.", null, "content_policy_violation");
  }

  // dall-e defaults to URLs; GPT image models always return base64.
  const asUrl = family !== "gpt-image" && values.response_format !== "b64_json";
  const bytes = await imageBytes(family === "gpt-image" ? format : "png");
  const data = Array.from({ length: n }, (_, i) => ({
    ...(asUrl ? { url: `https://oaidalleapiprodscus.blob.core.windows.net/private/img-${i}.png?se=2030&sig=abc` } : { b64_json: bytes.toString("base64") }),
    ...(family === "dall-e-3" ? { revised_prompt: `A detailed rendering of ${String(prompt)}` } : {}),
    ...extra(family),
  }));
  const body: Record<string, unknown> = { created: 1770935200, data };
  if (family === "gpt-image") {
    const quality = String(values.quality ?? "auto");
    const output = (TOKENS_BY_QUALITY[quality] ?? 4160) * n;
    const imageTokens = images.length * 323;
    const textTokens = String(prompt).split(/\s+/).length;
    Object.assign(body, {
      background: values.background ?? "opaque",
      output_format: format,
      quality: quality === "auto" ? "high" : quality,
      size: size === undefined || size === "auto" ? "1024x1024" : size,
      usage: {
        input_tokens: textTokens + imageTokens,
        input_tokens_details: { image_tokens: imageTokens, text_tokens: textTokens },
        output_tokens: output,
        total_tokens: textTokens + imageTokens + output,
      },
    });
  }
  return { status: 200, json: body, headers: { "x-request-id": `req_fake_${++requestCounter}` } };
}

export interface OpenAIFakeOptions {
  apiKey?: string;
}

/** OpenAI's bearer check with its real 401 bodies (no key; wrong key, masked). */
export function bearerAuth(apiKey: string) {
  return (req: RecordedRequest): FakeResponse | undefined => {
    const header = req.headers.authorization;
    if (!header?.startsWith("Bearer ")) {
      return openAIError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        null,
        null,
      );
    }
    const key = header.slice(7);
    if (key !== apiKey) {
      const masked = `${key.slice(0, 3)}${"*".repeat(Math.max(0, key.length - 7))}${key.slice(-4)}`;
      return openAIError(401, `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`, null, "invalid_api_key");
    }
    return undefined;
  };
}

/** Start the fake on 127.0.0.1; its URL plays `https://api.openai.com/v1`. */
export async function startOpenAIFake(options: OpenAIFakeOptions = {}): Promise<FakeServer> {
  const auth = bearerAuth(options.apiKey ?? "test-key-1234567890");
  return startFakeServer((s) => {
    s.route("POST", "/images/:op", async (req) => {
      const op = req.params.op as ImagesOp;
      if (!["generations", "edits", "variations"].includes(op)) return openAIError(404, `Invalid URL (POST ${req.path})`, null, null);
      return auth(req) ?? handleImages(req, op, (m) => m ?? (op === "edits" ? "gpt-image-1.5" : "dall-e-2"));
    });
  });
}
