import { randomUUID } from "node:crypto";
import { type FakeResponse, type FakeServer, type RecordedRequest, ONE_PIXEL_PNG, startFakeServer } from "../helpers/fake-server.js";

/**
 * A strict DashScope fake: the async text2image task API, task polling and cancel, and the sync
 * multimodal-generation endpoint. Wrong auth, a missing/extra `X-DashScope-Async`, a non-JSON body,
 * unknown fields and out-of-range values get DashScope's `{code, message, request_id}` errors.
 *
 * Prompt markers steer outcomes: `[forbidden]` → DataInspectionFailed on submit, `[fail-moderation]`
 * → FAILED task with DataInspectionFailed, `[fail-ip]` → FAILED with IPInfringementSuspect,
 * `[fail-internal]` → FAILED InternalError, `[fail-param]` → FAILED InvalidParameter,
 * `[partial]` → one of the results fails, `[slow]` → stays PENDING, `[unknown]` → UNKNOWN,
 * `[canceled]` → CANCELED by someone else (another client's cancel call) after one PENDING poll,
 * `[ok-200-error]` (sync) → an error body with HTTP 200.
 */

export const ALIBABA_KEY = "test-key-1234567890";
export const T2I_PATH = "/api/v1/services/aigc/text2image/image-synthesis";
export const MM_PATH = "/api/v1/services/aigc/multimodal-generation/generation";

const ASYNC_MODELS = new Set(["wanx-v1", "wanx2.1-t2i-turbo", "wanx2.1-t2i-plus", "wan2.2-t2i-flash", "wan2.2-t2i-plus", "wan2.5-t2i-preview"]);
const SYNC_MODELS = new Set(["qwen-image", "qwen-image-plus", "qwen-image-max", "qwen-image-edit", "qwen-image-edit-plus", "z-image-turbo", "wan2.6-t2i"]);
const EDIT_MODELS = new Set(["qwen-image-edit", "qwen-image-edit-plus"]);

interface Task {
  id: string;
  model: string;
  prompt: string;
  n: number;
  /** Statuses returned by successive polls; the last one repeats. */
  statuses: string[];
  polls: number;
  cancelled: boolean;
}

export interface AlibabaFake {
  server: FakeServer;
  url: string;
  tasks: Map<string, Task>;
  close(): Promise<void>;
}

const err = (status: number, code: string, message: string): FakeResponse => ({
  status,
  json: { request_id: randomUUID(), code, message },
});

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function checkAuth(req: RecordedRequest): FakeResponse | undefined {
  if (req.headers.authorization !== `Bearer ${ALIBABA_KEY}`) {
    return err(401, "InvalidApiKey", "Invalid API-key provided.");
  }
  return undefined;
}

function checkJson(req: RecordedRequest): FakeResponse | undefined {
  if (req.contentType !== "application/json") return err(400, "InvalidParameter", "Content-Type must be application/json");
  if (!isObj(req.json)) return err(400, "InvalidParameter", "Request body is not valid JSON");
  return undefined;
}

function unknownKeys(obj: Record<string, unknown>, allowed: readonly string[], prefix: string): FakeResponse | undefined {
  const extra = Object.keys(obj).find((k) => !allowed.includes(k));
  return extra ? err(400, "InvalidParameter", `Parameter ${prefix}${extra} is not supported`) : undefined;
}

function checkSize(size: unknown, model: string): FakeResponse | undefined {
  if (size === undefined) return undefined;
  const m = typeof size === "string" ? /^(\d+)\*(\d+)$/.exec(size) : null;
  if (!m) return err(400, "InvalidParameter", `The size is not match the allowed size pattern W*H: ${String(size)}`);
  const w = Number(m[1]);
  const h = Number(m[2]);
  const bounded = /^wan(x)?2\.[12]/.test(model);
  if (bounded && (w < 512 || h < 512 || w > 1440 || h > 1440)) {
    return err(400, "InvalidParameter", "The size is not match the allowed size: width and height must be within [512, 1440]");
  }
  return undefined;
}

function checkCommonParams(p: Record<string, unknown>, model: string, allowed: readonly string[]): FakeResponse | undefined {
  return (
    unknownKeys(p, allowed, "parameters.") ??
    checkSize(p.size, model) ??
    (p.n !== undefined && (!Number.isInteger(p.n) || (p.n as number) < 1 || (p.n as number) > 6)
      ? err(400, "InvalidParameter", "n must be in [1, 6]")
      : undefined) ??
    (p.seed !== undefined && !Number.isInteger(p.seed) ? err(400, "InvalidParameter", "seed must be an integer") : undefined) ??
    (p.prompt_extend !== undefined && typeof p.prompt_extend !== "boolean" ? err(400, "InvalidParameter", "prompt_extend must be a boolean") : undefined) ??
    (p.watermark !== undefined && typeof p.watermark !== "boolean" ? err(400, "InvalidParameter", "watermark must be a boolean") : undefined)
  );
}

function submit(req: RecordedRequest, fake: { tasks: Map<string, Task> }): FakeResponse {
  const bad = checkAuth(req) ?? checkJson(req);
  if (bad) return bad;
  if (req.headers["x-dashscope-async"] !== "enable") {
    return err(403, "AccessDenied", "current user api does not support synchronous calls");
  }
  const body = req.json as Record<string, unknown>;
  const extra = unknownKeys(body, ["model", "input", "parameters"], "");
  if (extra) return extra;
  const model = body.model;
  if (typeof model !== "string" || !ASYNC_MODELS.has(model)) return err(400, "InvalidParameter", "Model not exist.");
  const input = body.input;
  if (!isObj(input) || typeof input.prompt !== "string" || !input.prompt) return err(400, "InvalidParameter", "input.prompt is required");
  const inBad = unknownKeys(input, ["prompt", "negative_prompt"], "input.");
  if (inBad) return inBad;
  const p = isObj(body.parameters) ? body.parameters : {};
  const allowed = model === "wanx-v1" ? ["size", "n", "seed", "style"] : ["size", "n", "seed", "prompt_extend", "watermark"];
  const pBad = checkCommonParams(p, model, allowed);
  if (pBad) return pBad;
  const prompt = input.prompt;
  if (prompt.includes("[forbidden]")) return err(400, "DataInspectionFailed", "Input data may contain inappropriate content.");
  const task: Task = {
    id: randomUUID(),
    model,
    prompt,
    n: (p.n as number | undefined) ?? 1,
    statuses: prompt.includes("[slow]")
      ? ["PENDING"]
      : prompt.includes("[unknown]")
        ? ["UNKNOWN"]
        : prompt.includes("[canceled]")
          ? ["PENDING", "CANCELED"]
        : prompt.includes("[fail")
          ? ["PENDING", "RUNNING", "FAILED"]
          : ["PENDING", "RUNNING", "SUCCEEDED"],
    polls: 0,
    cancelled: false,
  };
  fake.tasks.set(task.id, task);
  return { json: { output: { task_status: "PENDING", task_id: task.id }, request_id: randomUUID() } };
}

function failure(prompt: string): { code: string; message: string } {
  if (prompt.includes("[fail-moderation]")) return { code: "DataInspectionFailed", message: "Output data may contain inappropriate content." };
  if (prompt.includes("[fail-ip]")) return { code: "IPInfringementSuspect", message: "Input data is suspected of being involved in IP infringement." };
  if (prompt.includes("[fail-param]")) return { code: "InvalidParameter", message: "The size is not match the allowed size." };
  return { code: "InternalError", message: "Internal error, please retry." };
}

function poll(req: RecordedRequest, server: FakeServer, tasks: Map<string, Task>): FakeResponse {
  const bad = checkAuth(req);
  if (bad) return bad;
  const id = req.params.id!;
  const task = tasks.get(id);
  if (!task) return { json: { request_id: randomUUID(), output: { task_id: id, task_status: "UNKNOWN" } } };
  const status = task.cancelled ? "CANCELED" : task.statuses[Math.min(task.polls, task.statuses.length - 1)]!;
  task.polls++;
  const output: Record<string, unknown> = { task_id: id, task_status: status, submit_time: "2025-01-01 00:00:00.000" };
  if (status === "RUNNING") output.task_metrics = { TOTAL: task.n, SUCCEEDED: 0, FAILED: 0 };
  if (status === "FAILED") Object.assign(output, failure(task.prompt));
  if (status === "SUCCEEDED") {
    const results: Record<string, unknown>[] = Array.from({ length: task.n }, (_, i) => ({
      url: `${server.url}/results/${id}-${i + 1}.png?Expires=1&Signature=abc`,
      orig_prompt: task.prompt,
      actual_prompt: `${task.prompt}, cinematic lighting`,
    }));
    if (task.prompt.includes("[partial]") && results.length > 1) {
      results[results.length - 1] = { code: "DataInspectionFailed", message: "Output data may contain inappropriate content." };
    }
    output.results = results;
    output.task_metrics = { TOTAL: task.n, SUCCEEDED: results.filter((r) => r.url).length, FAILED: results.filter((r) => !r.url).length };
    return { json: { request_id: randomUUID(), output, usage: { image_count: results.filter((r) => r.url).length } } };
  }
  return { json: { request_id: randomUUID(), output } };
}

function cancel(req: RecordedRequest, tasks: Map<string, Task>): FakeResponse {
  const bad = checkAuth(req);
  if (bad) return bad;
  const task = tasks.get(req.params.id!);
  const status = task ? task.statuses[Math.min(task.polls, task.statuses.length - 1)] : undefined;
  if (!task || status !== "PENDING") {
    return err(400, "UnsupportedOperation", "Failed to cancel the task, please confirm if the task is in PENDING status.");
  }
  task.cancelled = true;
  return { json: { request_id: randomUUID() } };
}

function multimodal(req: RecordedRequest, server: FakeServer): FakeResponse {
  const bad = checkAuth(req) ?? checkJson(req);
  if (bad) return bad;
  if (req.headers["x-dashscope-async"] !== undefined) {
    return err(403, "AccessDenied", "current user api does not support asynchronous calls");
  }
  const body = req.json as Record<string, unknown>;
  const extra = unknownKeys(body, ["model", "input", "parameters"], "");
  if (extra) return extra;
  const model = body.model;
  if (typeof model !== "string" || !SYNC_MODELS.has(model)) return err(400, "InvalidParameter", "Model not exist.");
  const input = body.input;
  if (!isObj(input)) return err(400, "InvalidParameter", "input.messages is required");
  const inBad = unknownKeys(input, ["messages"], "input.");
  if (inBad) return inBad;
  const messages = input.messages;
  if (!Array.isArray(messages) || messages.length !== 1 || !isObj(messages[0]) || messages[0].role !== "user" || !Array.isArray(messages[0].content)) {
    return err(400, "InvalidParameter", "input.messages must hold exactly one user message with a content list");
  }
  const content = messages[0].content as unknown[];
  let text: string | undefined;
  let images = 0;
  for (const part of content) {
    if (!isObj(part) || Object.keys(part).length !== 1) return err(400, "InvalidParameter", "each content item takes exactly one of text or image");
    if (typeof part.text === "string") {
      if (text !== undefined) return err(400, "InvalidParameter", "only one text item is allowed in content");
      text = part.text;
    } else if (typeof part.image === "string") {
      if (!/^(https?:\/\/|data:image\/[a-z+]+;base64,)/.test(part.image)) return err(400, "InvalidParameter", "The image url error, please check the url.");
      images++;
    } else {
      return err(400, "InvalidParameter", `content item ${Object.keys(part)[0]} is not supported`);
    }
  }
  if (!text) return err(400, "InvalidParameter", "the text item (prompt) is required");
  if (EDIT_MODELS.has(model) && images === 0) return err(400, "InvalidParameter", "image is required for image editing");
  if (!EDIT_MODELS.has(model) && images > 0) return err(400, "InvalidParameter", "image input is not supported by this model");
  const p = isObj(body.parameters) ? body.parameters : {};
  const pBad = checkCommonParams(p, model, ["size", "n", "seed", "negative_prompt", "prompt_extend", "watermark"]);
  if (pBad) return pBad;
  if ((model.startsWith("qwen-image") || model === "z-image-turbo") && !EDIT_MODELS.has(model) && (p.n ?? 1) !== 1) {
    return err(400, "InvalidParameter", "n must be 1 for this model");
  }
  if (text.includes("[forbidden]")) return err(400, "DataInspectionFailed", "Input data may contain inappropriate content.");
  if (text.includes("[ok-200-error]")) return { json: { request_id: randomUUID(), code: "DataInspectionFailed", message: "Output data may contain inappropriate content." } };
  const n = (p.n as number | undefined) ?? 1;
  const [w, h] = typeof p.size === "string" ? p.size.split("*").map(Number) : [1328, 1328];
  const id = randomUUID();
  return {
    json: {
      request_id: id,
      output: {
        choices: [
          {
            finish_reason: "stop",
            message: {
              role: "assistant",
              content: Array.from({ length: n }, (_, i) => ({ image: `${server.url}/results/${id}-${i}.png?Expires=1&Signature=abc` })),
            },
          },
        ],
        task_metric: { TOTAL: n, SUCCEEDED: n, FAILED: 0 },
      },
      usage: { width: w, height: h, image_count: n },
    },
  };
}

export async function startAlibabaFake(): Promise<AlibabaFake> {
  const tasks = new Map<string, Task>();
  const server = await startFakeServer((s) => {
    s.route("POST", T2I_PATH, (req) => submit(req, { tasks }));
    s.route("GET", "/api/v1/tasks/:id", (req, srv) => poll(req, srv, tasks));
    s.route("POST", "/api/v1/tasks/:id/cancel", (req) => cancel(req, tasks));
    s.route("POST", MM_PATH, (req, srv) => multimodal(req, srv));
    // OSS result links are signed URLs fetched without auth.
    s.route("GET", "/results/:name", () => ({ headers: { "content-type": "image/png" }, body: ONE_PIXEL_PNG }));
  });
  return { server, url: server.url, tasks, close: () => server.close() };
}
