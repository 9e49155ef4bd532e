import { type FakeResponse, type FakeServer, type RecordedRequest, ONE_PIXEL_PNG, startFakeServer } from "../helpers/fake-server.js";

/**
 * A strict fake of xAI's image API (https://api.x.ai/v1). Error bodies follow xAI's two shapes:
 * gRPC-style `{code, error}` (a wrong key is a 400 of this shape) and OpenAI-style `{error:{…}}`.
 */
export const XAI_KEY = "test-key-1234567890";

const IMAGINE = new Set(["grok-imagine-image", "grok-imagine-image-pro"]);
const MODELS = new Set([...IMAGINE, "grok-2-image"]);
const RATIOS = new Set(["1:1", "3:4", "4:3", "9:16", "16:9", "2:3", "3:2", "9:19.5", "19.5:9", "9:20", "20:9", "1:2", "2:1", "auto"]);
const GENERATION_FIELDS = new Set(["model", "prompt", "n", "response_format", "aspect_ratio", "resolution", "quality", "output_format", "sync_mode", "user"]);
const EDIT_FIELDS = new Set([...GENERATION_FIELDS, "image", "images"]);

const invalid = (error: string, status = 400): FakeResponse => ({ status, json: { code: "Client specified an invalid argument", error } });
const fail = (response: FakeResponse) => ({ fail: response });

function check(req: RecordedRequest, fields: Set<string>): { fail: FakeResponse } | { body: Record<string, unknown> } {
  const auth = req.headers.authorization;
  if (!auth) {
    return fail({ status: 401, json: { code: "Unauthenticated", error: "No API key provided. Pass it as a bearer token in the Authorization header." } });
  }
  if (auth !== `Bearer ${XAI_KEY}`) {
    return fail(invalid(`Incorrect API key provided: ${auth.slice(7, 9)}***${auth.slice(-2)}. You can obtain an API key from https://console.x.ai.`));
  }
  if (req.contentType !== "application/json") {
    return fail({ status: 415, json: { code: "Client specified an invalid argument", error: "Expected request with `Content-Type: application/json`" } });
  }
  const body = req.json as Record<string, unknown> | undefined;
  if (!body || typeof body !== "object") return fail(invalid("Failed to parse the request body as JSON", 422));
  for (const key of Object.keys(body)) {
    if (key === "size" || key === "style") return fail(invalid("quality, size or style are not supported by xAI API at the moment."));
    if (!fields.has(key)) {
      return fail(invalid(`Failed to deserialize the JSON body into the target type: unknown field \`${key}\` at line 1 column 2`, 422));
    }
  }
  const model = body.model as string;
  if (!MODELS.has(model)) {
    return fail({ status: 404, json: { code: "Some requested entity was not found", error: `The model ${model} does not exist or your team does not have access to it.` } });
  }
  if (typeof body.prompt !== "string" || !body.prompt) return fail(invalid("Field `prompt` is required and must be a non-empty string"));
  const n = body.n ?? 1;
  if (typeof n !== "number" || n < 1 || n > 10) return fail({ status: 400, json: { error: { message: "n must be between 1 and 10", type: "invalid_request_error", param: "n", code: "invalid_value" } } });
  if (body.aspect_ratio !== undefined && (!IMAGINE.has(model) || !RATIOS.has(body.aspect_ratio as string))) {
    return fail(invalid(`Invalid aspect_ratio ${JSON.stringify(body.aspect_ratio)} for model ${model}`));
  }
  if (body.resolution !== undefined && (!IMAGINE.has(model) || !["1k", "2k"].includes(body.resolution as string))) {
    return fail(invalid(`Invalid resolution ${JSON.stringify(body.resolution)}: expected one of 1k, 2k`));
  }
  if (body.response_format !== undefined && !["url", "b64_json"].includes(body.response_format as string)) {
    return fail(invalid("Invalid response_format: expected url or b64_json"));
  }
  return { body };
}

function answer(server: FakeServer, body: Record<string, unknown>): FakeResponse {
  const n = (body.n as number | undefined) ?? 1;
  const prompt = body.prompt as string;
  const b64 = body.response_format === "b64_json";
  // "forbidden" in a prompt blocks every image, "mixed" blocks the first only.
  const data = Array.from({ length: n }, (_, i) => {
    if (prompt.includes("forbidden") || (prompt.includes("mixed") && i === 0)) {
      return { url: null, b64_json: null, revised_prompt: null, respect_moderation: false };
    }
    return b64
      ? { b64_json: ONE_PIXEL_PNG.toString("base64"), revised_prompt: `A detailed rendering of ${prompt}`, mime_type: "image/png" }
      : { url: `${server.url}/xai-imgen/xai-tmp-imgen-${i}.jpeg`, revised_prompt: `A detailed rendering of ${prompt}` };
  });
  return { json: { data, usage: { cost_in_usd_ticks: 200_000_000 * n } } };
}

export function startXaiFake(): Promise<FakeServer> {
  return startFakeServer((s) => {
    s.route("POST", "/v1/images/generations", (req, server) => {
      const out = check(req, GENERATION_FIELDS);
      if ("fail" in out) return out.fail;
      return answer(server, out.body);
    });
    s.route("POST", "/v1/images/edits", (req, server) => {
      const out = check(req, EDIT_FIELDS);
      if ("fail" in out) return out.fail;
      const body = out.body;
      if (body.model === "grok-2-image") return invalid("Image editing is not supported by model grok-2-image");
      const refs = body.images !== undefined ? (body.images as unknown[]) : body.image !== undefined ? [body.image] : [];
      if (refs.length === 0) return invalid("Field `image` is required for image edits");
      for (const ref of refs) {
        const r = ref as { url?: unknown; type?: unknown };
        if (r.type !== "image_url" || typeof r.url !== "string" || !/^(https?:|data:image\/)/.test(r.url)) {
          return invalid("image must be {\"url\": \"<https or data URI>\", \"type\": \"image_url\"}");
        }
      }
      return answer(server, body);
    });
  });
}
