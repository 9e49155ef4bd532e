import { errorOfKind } from "../../core/http-errors.js";
import {
  GenerationFailedError,
  type TarashError,
} from "../../core/errors.js";
import type { HttpClient } from "../../core/http.js";
import { errorFromResponse } from "../../core/http-errors.js";
import type { AdapterContext, ProgressReport } from "../../core/provider.js";
import { classifyCode, fieldFromMessage, isDashScopeError, parseDashScopeError } from "./errors.js";

/**
 * DashScope's async task protocol, shared by every family that submits with `X-DashScope-Async: enable`
 * (text-to-image, image edit, video synthesis): submit → `output.task_id`, poll `GET /api/v1/tasks/{id}`,
 * cancel with `POST /api/v1/tasks/{id}/cancel` (honoured only while PENDING).
 */

export type TaskStatus = "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELED" | "UNKNOWN";

export interface TaskResult {
  url?: string;
  code?: string;
  message?: string;
  orig_prompt?: string;
  actual_prompt?: string;
}

export interface DashScopeTask {
  request_id?: string;
  output: {
    task_id: string;
    task_status: TaskStatus;
    results?: TaskResult[];
    code?: string;
    message?: string;
    task_metrics?: { TOTAL?: number; SUCCEEDED?: number; FAILED?: number };
    [key: string]: unknown;
  };
  usage?: Record<string, unknown>;
}

export const TASKS_PATH = "/api/v1/tasks";

/** An HTTP client with DashScope auth and error parsing; `signal: undefined` for post-abort calls. */
export function dashScopeHttp(ctx: AdapterContext, options: { afterAbort?: boolean } = {}): HttpClient {
  const headers = { authorization: `Bearer ${ctx.requireApiKey()}` };
  return options.afterAbort
    ? ctx.http({ headers, parseError: parseDashScopeError, signal: undefined })
    : ctx.http({ headers, parseError: parseDashScopeError });
}

/** Some DashScope gateways answer errors with HTTP 200 and the usual `{code, message}` body. */
export function throwIfErrorBody(ctx: AdapterContext, body: unknown, what: string): void {
  if (!isDashScopeError(body)) return;
  const input = { status: 200, headers: new Headers(), body, text: JSON.stringify(body) };
  const info = parseDashScopeError(input) ?? { message: `${what} failed` };
  throw errorFromResponse(input, { ...info, kind: info.kind ?? "failed" }, { provider: ctx.provider, model: ctx.model, requestId: ctx.requestId });
}

export async function submitTask(ctx: AdapterContext, path: string, body: unknown): Promise<DashScopeTask> {
  const res = await dashScopeHttp(ctx).json<DashScopeTask>(path, { json: body, headers: { "X-DashScope-Async": "enable" } });
  throwIfErrorBody(ctx, res, "task submission");
  if (typeof res?.output?.task_id !== "string" || !res.output.task_id) {
    throw new GenerationFailedError(`${ctx.provider}: the task submission returned no output.task_id`, {
      provider: ctx.provider,
      model: ctx.model,
      requestId: ctx.requestId,
      rawResponse: res,
      transient: true,
    });
  }
  return res;
}

export async function getTask(ctx: AdapterContext, taskId: string): Promise<DashScopeTask> {
  const res = await dashScopeHttp(ctx).json<DashScopeTask>(`${TASKS_PATH}/${encodeURIComponent(taskId)}`);
  throwIfErrorBody(ctx, res, "task query");
  return res;
}

/** Best effort: DashScope cancels only PENDING tasks and answers UnsupportedOperation otherwise. */
export async function cancelTask(ctx: AdapterContext, taskId: string): Promise<void> {
  await dashScopeHttp(ctx, { afterAbort: true }).request(`${TASKS_PATH}/${encodeURIComponent(taskId)}/cancel`, { method: "POST" });
}

/** The typed error for a task-level failure code (a FAILED task, or a failed entry in `results`). */
export function taskError(ctx: AdapterContext, code: string | undefined, message: string | undefined, raw: unknown): TarashError {
  const ids = { provider: ctx.provider, model: ctx.model, requestId: ctx.requestId, code, rawResponse: raw };
  const text = `${ctx.provider}: the task failed${code ? ` (${code})` : ""}${message ? `: ${message}` : ""}`;
  const kind = classifyCode(code, message);
  const field = kind === "validation" ? (fieldFromMessage(message) ?? "request") : undefined;
  return errorOfKind(kind, text, { ...ids, field, detail: message ?? code ?? "invalid parameter" }, "job");
}

function progressOf(task: DashScopeTask): ProgressReport {
  if (task.output.task_status === "PENDING") return { status: "queued" };
  const m = task.output.task_metrics;
  const percent = m?.TOTAL && m.SUCCEEDED ? Math.round((m.SUCCEEDED / m.TOTAL) * 100) : undefined;
  return { status: "processing", progressPercent: percent !== undefined && percent < 100 ? percent : undefined };
}

/** Poll a task to SUCCEEDED (returned) or a failure (thrown); an abort asks DashScope to cancel it. */
export function waitForTask(ctx: AdapterContext, taskId: string): Promise<DashScopeTask> {
  return ctx.poll<DashScopeTask>({
    intervalMs: ctx.pollIntervalMs,
    what: `${ctx.provider} ${ctx.model} task ${taskId}`,
    onCancel: () => cancelTask(ctx, taskId),
    check: async () => {
      const task = await getTask(ctx, taskId);
      const { task_status: status, code, message } = task.output;
      switch (status) {
        case "SUCCEEDED":
          return { done: true, value: task };
        case "FAILED":
          throw taskError(ctx, code, message, task);
        case "CANCELED":
          throw new GenerationFailedError(`${ctx.provider}: task ${taskId} was cancelled on the provider's side`, {
            provider: ctx.provider,
            model: ctx.model,
            requestId: ctx.requestId,
            rawResponse: task,
          });
        case "UNKNOWN":
          // The id is unknown or expired: resubmitting is the only way forward.
          throw new GenerationFailedError(`${ctx.provider}: task ${taskId} is unknown or expired`, {
            provider: ctx.provider,
            model: ctx.model,
            requestId: ctx.requestId,
            rawResponse: task,
            transient: true,
          });
        case "PENDING":
        case "RUNNING":
          return { done: false, progress: progressOf(task) };
        default:
          return { done: false, progress: { status: "processing", message: String(status) } };
      }
    },
  });
}
