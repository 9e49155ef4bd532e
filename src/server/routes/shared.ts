import { download } from "../../core/media/download.js";
import type { ImageGenerationResponse } from "../../core/types.js";
import { ApiError, badRequest, fromZod } from "../errors.js";
import type { AppContext, AppState } from "../state.js";
import type { z } from "zod";

/** Parse a JSON body with a schema; malformed JSON and schema failures are 400s naming the field. */
export async function jsonBody<S extends z.ZodType>(c: AppContext, schema: S): Promise<z.output<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(.+\+)?json/i.test(type)) throw new ApiError(415, "expected Content-Type: application/json", { code: "unsupported_media_type" });
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw badRequest("the body is not valid JSON", undefined, "invalid_json");
  }
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
  const out: Record<string, unknown> = {};
  for (const [rawName, value] of form.entries()) {
    const name = rawName.endsWith("[]") ? rawName.slice(0, -2) : rawName;
    if (arrays.includes(name)) ((out[name] ??= []) as unknown[]).push(value);
    else out[name] = value;
  }
  return out;
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
