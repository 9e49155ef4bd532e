import type { AdapterContext, ProviderAdapter, VideoJobState } from "../../core/provider.js";
import type { NormalizedVideoRequest } from "../../core/types.js";
import { buildBody, chooseEndpoint, hintsFor } from "./body.js";
import { type RunwayTask, runwayHttp, taskPath, taskState, unusable } from "./tasks.js";

/**
 * Runway runs every generation as a task: POST to the endpoint the inputs call for, then
 * `GET /v1/tasks/{id}` until it settles. The task id alone is enough to resume or cancel it, so the
 * core's polling, resume and cancel paths all reuse these three methods.
 */
async function submitVideo(ctx: AdapterContext, req: NormalizedVideoRequest): Promise<{ providerJobId: string; rawResponse: unknown }> {
  const hints = hintsFor(ctx);
  const endpoint = chooseEndpoint(ctx, req, hints);
  const body = await buildBody(ctx, req, endpoint, hints);
  const created = await runwayHttp(ctx).json<{ id?: unknown }>(`/v1/${endpoint}`, { method: "POST", json: body });
  const id = created?.id;
  if (typeof id !== "string" || !id) throw unusable(ctx, `POST /v1/${endpoint} answered without a task id`, created);
  return { providerJobId: id, rawResponse: created };
}

async function getVideoStatus(ctx: AdapterContext, taskId: string): Promise<VideoJobState> {
  return taskState(ctx, await runwayHttp(ctx).json<RunwayTask>(taskPath(taskId)));
}

/** DELETE cancels a PENDING, THROTTLED or RUNNING task (and deletes a finished one). */
async function cancelVideo(ctx: AdapterContext, taskId: string): Promise<void> {
  await runwayHttp(ctx, { afterAbort: true }).request(taskPath(taskId), { method: "DELETE", headers: { accept: "*/*" } });
}

export const adapter: ProviderAdapter = { submitVideo, getVideoStatus, cancelVideo };
