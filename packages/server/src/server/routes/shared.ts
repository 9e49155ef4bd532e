import { ValidationError } from "../../../../../src/core/errors.js";
import { download } from "../../../../../src/core/media/download.js";
import type { ImageGenerationResponse } from "../../../../../src/core/types.js";
import { ApiError, badRequest, fromZod, toApiError } from "../errors.js";
import type { AppContext, AppState } from "../state.js";
import { checkJsonDepth } from "../structure-limits.js";
import type { z } from "zod";

/**
 * Parse a JSON body with a schema; malformed JSON, nesting deeper than `limits.maxJsonDepth` and schema
 * failures are 400s naming the field. The depth check runs first: zod and everything after it recurse.
 */
export async function jsonBody<S extends z.ZodType>(c: AppContext, schema: S, limits: { maxJsonDepth: number }): Promise<z.output<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(.+\+)?json/i.test(type)) throw new ApiError(415, "expected Content-Type: application/json", { code: "unsupported_media_type" });
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw badRequest("the body is not valid JSON", undefined, "invalid_json");
  }
  const tooDeep = checkJsonDepth(raw, limits.maxJsonDepth);
  if (tooDeep) throw tooDeep;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw fromZod(parsed.error);
  return parsed.data;
}

/** multipart/form-data as a plain object: files stay Blobs, `name[]` and repeated names become arrays. */
export async function formBody(c: AppContext, arrays: readonly string[]): Promise<Record<string, unknown>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^multipart\/form-data/i.test(type)) throw new ApiError(415, "expected Content-Type: multipart/form-data", { code: "unsupported_media_type" });
  let form: FormData;
  try {
    form = await c.req.formData();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw badRequest("the multipart body could not be parsed", undefined, "invalid_multipart");
  }
  // Field names are the client's: collect them in a Map so `__proto__` or `constructor` is an ordinary name.
  const fields = new Map<string, unknown>();
  for (const [rawName, value] of form.entries()) {
    const name = rawName.endsWith("[]") ? rawName.slice(0, -2) : rawName;
    if (!arrays.includes(name)) fields.set(name, value);
    else {
      const list = fields.get(name) as unknown[] | undefined;
      if (list) list.push(value);
      else fields.set(name, [value]);
    }
  }
  return Object.fromEntries(fields);
}

/** Blob → data URL, so a job's request stays JSON (a distributed queue must serialise it). */
export async function blobToDataUrl(blob: Blob): Promise<string> {
  const data = Buffer.from(await blob.arrayBuffer());
  return `data:${blob.type || "application/octet-stream"};base64,${data.toString("base64")}`;
}

/** Bytes of an output URL as base64: data URLs decode locally, remote ones download through the guard. */
export async function outputBase64(state: AppState, url: string, signal?: AbortSignal): Promise<string> {
  if (url.startsWith("data:")) return url.slice(url.indexOf(",") + 1);
  const { data } = await download(url, {
    policy: { allowPrivateNetwork: state.config.network.allowPrivateNetwork, allowedHosts: state.config.network.allowedHosts },
    signal,
    field: "output",
    // A provider's output: a refusal is the provider's fault (502), not the client's.
    source: "provider",
  });
  return Buffer.from(data).toString("base64");
}

/** OpenAI's `usage` from ours, when the provider reported tokens. */
export function openAIUsage(res: ImageGenerationResponse): Record<string, unknown> | undefined {
  const u = res.usage;
  if (!u || (u.inputTokens === undefined && u.outputTokens === undefined && u.totalTokens === undefined)) return undefined;
  const input = u.inputTokens ?? 0;
  const output = u.outputTokens ?? 0;
  return {
    input_tokens: input,
    output_tokens: output,
    total_tokens: u.totalTokens ?? input + output,
    ...(u.inputImageTokens !== undefined ? { input_tokens_details: { image_tokens: u.inputImageTokens, text_tokens: Math.max(0, input - u.inputImageTokens) } } : {}),
  };
}

/** Rename a zod-path param the client did not write (e.g. `image.0` → `image`). */
export function rootParam(e: ApiError, fields: readonly string[]): ApiError {
  const root = e.param?.split(".")[0];
  if (!root || !fields.includes(root) || root === e.param) return e;
  return new ApiError(e.status, e.message, { type: e.type, param: root, code: e.code, headers: e.headers });
}

const LIBRARY_TO_OPENAI = new Map([
  ["aspectRatio", "aspect_ratio"],
  ["negativePrompt", "negative_prompt"],
  ["outputFormat", "output_format"],
  ["maskImage", "mask"],
  ["responseModalities", "response_modalities"],
]);

/** The OpenAI-body name of a library request field (`imageList.0.image` → `image`), when they differ. */
export function openAIImageField(field: string): string | undefined {
  if (field === "imageList" || field.startsWith("imageList.")) return "image";
  if (field.startsWith("extraParams.")) return field.slice("extraParams.".length);
  return LIBRARY_TO_OPENAI.get(field);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * A library ValidationError re-pointed at the field the client wrote: the library says `aspectRatio`
 * or `imageList.0.image`, an OpenAI client sent `aspect_ratio` or `image`. `rename` answers the client's
 * name for a library field path (undefined: keep it). Message and `param` both use the client's name.
 */
export function clientValidationError(error: ValidationError, rename: (field: string) => string | undefined): ApiError {
  const field = error.field;
  const api = toApiError(error).api;
  const renamed = field === undefined ? undefined : rename(field);
  if (field === undefined || renamed === undefined || renamed === field) return api;
  // Whole-word mentions only (a model id like "mock/mock-image" or a longer field stays intact). A
  // dotted body path replaces only the `field:` label; in prose ("size 99 is not supported") it reads badly.
  const word = `(?<![\\w/.-])${escapeRegExp(field)}(?![\\w/-])`;
  const mention = new RegExp(renamed.includes(".") ? `${word}(?=:)` : word, "g");
  return new ApiError(400, error.message.replace(mention, renamed), { param: renamed, code: "invalid_value" });
}

/** Run `fn`, rewriting library ValidationErrors with `rename` (see clientValidationError). */
export async function withClientFields<T>(rename: (field: string) => string | undefined, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ValidationError) throw clientValidationError(error, rename);
    throw error;
  }
}

/**
 * A list cursor (`after`) must be one of the caller's jobs of the listed kind: the queues restart from
 * the newest job when they do not find it, and a client paging with an expired cursor would loop forever.
 */
export async function checkCursor(state: AppState, tenant: string, after: string | undefined, kind: "image" | "video" | undefined): Promise<void> {
  if (after === undefined) return;
  const job = await state.queue.get(after, tenant);
  if (!job || (kind !== undefined && job.kind !== kind)) {
    throw badRequest(`after: no ${kind ?? ""}${kind ? " " : ""}job ${JSON.stringify(after)} to page after (unknown, expired, or not yours)`, "after");
  }
}
