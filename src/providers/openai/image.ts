import type { HttpClient, QueryValue } from "../../core/http.js";
import type { AdapterContext } from "../../core/provider.js";
import type { AdapterImageResult, NormalizedImageRequest } from "../../core/types.js";
import { OPERATION_PATH, imageFamily, multipartBody, resolveOperation, wireParams } from "./image-request.js";
import { readImagesResponse } from "./image-response.js";

/**
 * Where and how an Images call goes. OpenAI and Azure OpenAI share the request and response
 * translation and differ only here: URL layout, auth header, whether `model` is in the body.
 */
export interface ImagesTransport {
  http: HttpClient;
  /** Path (relative to the client's base URL) and query of `/images/{generations|edits|variations}`. */
  endpoint(path: "generations" | "edits" | "variations"): { path: string; query?: Record<string, QueryValue> };
  /** `model` for the body, or undefined when the URL already names the deployment. */
  bodyModel: string | undefined;
  /** Response headers that carry the provider's request id, in order of preference. */
  requestIdHeaders: readonly string[];
  /** Which operation a config asked for (`providerConfig.operation`), if any. */
  operation?: unknown;
}

/** One Images API call: generations (JSON), or edits / variations (multipart). */
export async function generateOpenAIImage(
  ctx: AdapterContext,
  req: NormalizedImageRequest,
  transport: ImagesTransport,
): Promise<AdapterImageResult> {
  const family = imageFamily(ctx.model, ctx.capability);
  const op = resolveOperation(req, transport.operation, family, ctx.model);
  const params = wireParams(ctx, req, family, op);
  const body = transport.bodyModel === undefined ? params : { model: transport.bodyModel, ...params };
  const { path, query } = transport.endpoint(OPERATION_PATH[op]);
  const send = op === "generate" ? { json: body } : { form: await multipartBody(ctx, req, body) };
  await ctx.progress({ status: "processing", message: `${OPERATION_PATH[op]} request sent` });
  const reply = await transport.http.bytes(path, { method: "POST", query, ...send });
  return readImagesResponse(reply, family, { provider: ctx.provider, model: ctx.model, requestId: ctx.requestId }, transport.requestIdHeaders);
}
