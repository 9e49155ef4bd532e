import {
  ContentModerationError,
  GenerationFailedError,
  type TarashError,
  type TarashErrorOptions,
  ValidationError,
} from "../../core/errors.js";
import type { HttpClient } from "../../core/http.js";
import type { PollStep } from "../../core/polling.js";
import type { AdapterContext, ProgressReport } from "../../core/provider.js";
import type { InputSpec } from "../../core/remote-schema/compile.js";
import { checkReplicateInput, replicateInputSpec } from "./schema.js";
import { isModerationMessage, isTransientMessage, type ParseErrorOptions, replicateErrorParser } from "./errors.js";
import { redactPrefix } from "../../core/redact.js";

/**
 * Replicate's predictions protocol, shared by the image and video adapters: create (official
 * model, pinned version or deployment), an optional short `Prefer: wait`, polling to a terminal
 * state with progress from the logs, cancel, and output normalisation. Nothing here is image-specific.
 */

export type PredictionStatus = "starting" | "processing" | "succeeded" | "failed" | "canceled" | "aborted";

export interface Prediction {
  id: string;
  status: PredictionStatus;
  model?: string;
  version?: string;
  input?: Record<string, unknown>;
  /** Model-specific: a URL string, an array of them, or an object holding them. */
  output?: unknown;
  error?: unknown;
  logs?: string | null;
  metrics?: { predict_time?: number; total_time?: number; [key: string]: unknown };
  urls?: { get?: string; cancel?: string; stream?: string; web?: string };
  created_at?: string;
  started_at?: string | null;
  completed_at?: string | null;
}

const TERMINAL: ReadonlySet<string> = new Set(["succeeded", "failed", "canceled", "aborted"]);

export function isTerminal(prediction: Prediction): boolean {
  return TERMINAL.has(prediction.status);
}

/** `owner/name` (the model's current version) or `owner/name:version` (a pinned version). */
export interface ModelRef {
  owner: string;
  name: string;
  version?: string | undefined;
}

const MODEL_ID = /^([\w.-]+)\/([\w.-]+)(?::([0-9a-zA-Z]+))?$/;

export function parseModelRef(model: string): ModelRef {
  const m = MODEL_ID.exec(model.trim());
  if (!m) {
    throw new ValidationError(`replicate model ids look like "owner/name" or "owner/name:version", got ${JSON.stringify(model)}`, {
      issues: [{ field: "model", message: 'expected "owner/name" or "owner/name:version"' }],
    });
  }
  return { owner: m[1]!, name: m[2]!, version: m[3] };
}

/** An HTTP client with Replicate's auth and error parsing. */
export function replicateClient(
  ctx: AdapterContext,
  options: ParseErrorOptions & { detached?: boolean } = {},
): HttpClient {
  const key = ctx.requireApiKey();
  return ctx.http({
    headers: { authorization: `Bearer ${key}` },
    parseError: replicateErrorParser(options),
    // A cancel sent after the attempt was aborted must not ride on the aborted signal.
    ...(options.detached ? { signal: undefined } : {}),
  });
}

export interface CreatePredictionOptions {
  input: Record<string, unknown>;
  /** Seconds for `Prefer: wait=N`; `false` or undefined returns at once. */
  waitSeconds?: number | false | undefined;
  /** `owner/name` of a deployment to run on instead of the model. */
  deployment?: string | undefined;
  webhook?: string | undefined;
  webhookEventsFilter?: readonly string[] | undefined;
  /** Wire input name → request field, so a 422 names the field the caller knows. */
  fieldNames?: Readonly<Record<string, string>> | undefined;
  /** The model's published input schema when the caller already checked against it (null: checked or none). */
  inputSpec?: InputSpec | null | undefined;
}

export async function createPrediction(ctx: AdapterContext, model: string, options: CreatePredictionOptions): Promise<Prediction> {
  const ref = parseModelRef(model);
  const http = replicateClient(ctx, { fieldNames: options.fieldNames, notFoundField: "model" });
  // A model the catalog does not know is checked against the schema its version publishes.
  const spec = options.inputSpec === undefined && !options.deployment ? await replicateInputSpec(ctx, model) : undefined;
  const body: Record<string, unknown> = { input: spec ? checkReplicateInput(ctx, spec, options.input, options.fieldNames) : options.input };
  let path: string;
  if (options.deployment) {
    path = `/deployments/${options.deployment}/predictions`;
  } else if (ref.version) {
    path = "/predictions";
    body.version = ref.version;
  } else {
    path = `/models/${encodeURIComponent(ref.owner)}/${encodeURIComponent(ref.name)}/predictions`;
  }
  if (options.webhook) {
    body.webhook = options.webhook;
    body.webhook_events_filter = options.webhookEventsFilter ?? ["completed"];
  }
  const headers: Record<string, string> = {};
  if (options.waitSeconds) headers.prefer = `wait=${options.waitSeconds}`;
  const raw = await http.json<unknown>(path, { method: "POST", json: body, headers });
  return asPrediction(ctx, raw);
}

/**
 * Where to GET or cancel a prediction. `urls.*` is followed when it points at the configured API
 * (so a proxy `baseUrl` keeps working); a URL on another host is not sent the key.
 */
function predictionUrl(ctx: AdapterContext, prediction: Prediction | string, which: "get" | "cancel"): string {
  const id = typeof prediction === "string" ? prediction : prediction.id;
  const fallback = `/predictions/${encodeURIComponent(id)}${which === "cancel" ? "/cancel" : ""}`;
  const given = typeof prediction === "string" ? undefined : prediction.urls?.[which];
  if (!given) return fallback;
  try {
    const base = new URL(ctx.baseUrl);
    const url = new URL(given);
    return url.origin === base.origin && url.pathname.startsWith(base.pathname.replace(/\/+$/, "")) ? url.toString() : fallback;
  } catch {
    return fallback;
  }
}

export async function getPrediction(ctx: AdapterContext, prediction: Prediction | string): Promise<Prediction> {
  const raw = await replicateClient(ctx).json<unknown>(predictionUrl(ctx, prediction, "get"));
  return asPrediction(ctx, raw);
}

/** Ask Replicate to stop a prediction (best effort; works after the attempt was aborted). */
export async function cancelPrediction(ctx: AdapterContext, prediction: Prediction | string): Promise<void> {
  await replicateClient(ctx, { detached: true }).request(predictionUrl(ctx, prediction, "cancel"), { method: "POST" });
}

function asPrediction(ctx: AdapterContext, raw: unknown): Prediction {
  const p = raw as Partial<Prediction> | null;
  if (!p || typeof p !== "object" || typeof p.id !== "string" || typeof p.status !== "string") {
    throw new GenerationFailedError(`${ctx.provider} returned something that is not a prediction`, {
      ...ids(ctx),
      rawResponse: raw,
      transient: true,
    });
  }
  return p as Prediction;
}

function ids(ctx: AdapterContext): TarashErrorOptions {
  return { provider: ctx.provider, model: ctx.model, requestId: ctx.requestId };
}

/** Log lines of a prediction, without blanks; tqdm's carriage-return updates become lines too. */
export function logLines(logs: string | null | undefined): string[] {
  return (logs ?? "")
    .split(/\r\n|\r|\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "");
}

/** The latest progress percentage in the logs (tqdm's ` 45%|████` or `9/20 [`), if any. */
export function percentFromLogs(lines: readonly string[]): number | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    const pct = [...line.matchAll(/(\d{1,3}(?:\.\d+)?)%\|/g)].pop();
    if (pct) return clampPercent(Number(pct[1]));
    const frac = [...line.matchAll(/\b(\d+)\/(\d+)\s*\[/g)].pop();
    if (frac && Number(frac[2]) > 0) return clampPercent((Number(frac[1]) / Number(frac[2])) * 100);
  }
  return undefined;
}

function clampPercent(value: number): number | undefined {
  return Number.isFinite(value) ? Math.min(100, Math.max(0, Math.round(value))) : undefined;
}

/**
 * A progress report for a running prediction. `starting` is Replicate booting or queueing the
 * model; `processing` is the model running. `logs` holds the lines after `seenLines`.
 */
export function progressOf(prediction: Prediction, seenLines = 0): ProgressReport {
  const lines = logLines(prediction.logs);
  const fresh = lines.slice(Math.min(seenLines, lines.length));
  return {
    status: prediction.status === "starting" ? "queued" : "processing",
    progressPercent: prediction.status === "processing" ? percentFromLogs(lines) : undefined,
    message: lines.at(-1) ?? prediction.status,
    logs: fresh.length > 0 ? fresh : undefined,
  };
}

/** Every file a prediction produced, in order: a URL string, arrays, `{url}` objects, or maps of them. */
export function outputFiles(output: unknown): string[] {
  if (typeof output === "string") return /^(https?:|data:)/i.test(output.trim()) ? [output.trim()] : [];
  if (Array.isArray(output)) return output.flatMap(outputFiles);
  if (output !== null && typeof output === "object") {
    const o = output as Record<string, unknown>;
    if (typeof o.url === "string") return outputFiles(o.url);
    if (typeof o.uri === "string") return outputFiles(o.uri);
    return Object.values(o).flatMap(outputFiles);
  }
  return [];
}

/** The typed error for a prediction that ended without a usable result. */
export function predictionFailure(ctx: AdapterContext, prediction: Prediction): TarashError {
  const options = { ...ids(ctx), rawResponse: prediction, code: prediction.status };
  const reason = errorText(prediction.error);
  if (prediction.status === "failed") {
    const message = `${ctx.provider} prediction ${prediction.id} failed: ${reason ?? "no reason given"}`;
    if (reason && isModerationMessage(reason)) return new ContentModerationError(message, options);
    return new GenerationFailedError(message, { ...options, transient: reason !== undefined && isTransientMessage(reason) });
  }
  if (prediction.status === "canceled" || prediction.status === "aborted") {
    return new GenerationFailedError(`${ctx.provider} prediction ${prediction.id} was ${prediction.status} on Replicate's side`, options);
  }
  return new GenerationFailedError(
    `${ctx.provider} prediction ${prediction.id} succeeded but returned no output file${reason ? ` (${reason})` : ""}`,
    options,
  );
}

function errorText(error: unknown): string | undefined {
  if (typeof error === "string") return error.trim() || undefined;
  if (error && typeof error === "object") {
    const m = (error as { message?: unknown; detail?: unknown }).message ?? (error as { detail?: unknown }).detail;
    if (typeof m === "string" && m.trim()) return m.trim();
    return redactPrefix(JSON.stringify(error), 500);
  }
  return undefined;
}

/** Where a prediction stands: still running (with progress), done with files, or failed. */
export type PredictionOutcome =
  | { state: "running"; progress: ProgressReport }
  | { state: "succeeded"; prediction: Prediction; files: string[] }
  | { state: "failed"; error: TarashError };

export function classifyPrediction(ctx: AdapterContext, prediction: Prediction, seenLines = 0): PredictionOutcome {
  if (!isTerminal(prediction)) return { state: "running", progress: progressOf(prediction, seenLines) };
  if (prediction.status === "succeeded") {
    const files = outputFiles(prediction.output);
    if (files.length > 0) return { state: "succeeded", prediction, files };
  }
  return { state: "failed", error: predictionFailure(ctx, prediction) };
}

/**
 * Poll a created prediction to a terminal state, reporting progress (new log lines, percentages)
 * and cancelling it on Replicate when the caller aborts or polling gives up, so it stops billing.
 */
export async function waitForPrediction(ctx: AdapterContext, created: Prediction): Promise<{ prediction: Prediction; files: string[] }> {
  let latest = created;
  let seenLines = 0;
  let finished = isTerminal(created);
  const step = (prediction: Prediction): PollStep<{ prediction: Prediction; files: string[] }> => {
    latest = prediction;
    const outcome = classifyPrediction(ctx, prediction, seenLines);
    if (outcome.state === "running") {
      seenLines = logLines(prediction.logs).length;
      return { done: false, progress: outcome.progress };
    }
    finished = true;
    if (outcome.state === "failed") throw outcome.error;
    return { done: true, value: { prediction: outcome.prediction, files: outcome.files } };
  };
  try {
    return await ctx.poll({
      what: `${ctx.provider} prediction ${created.id}`,
      intervalMs: ctx.pollIntervalMs,
      // The create response is the first status; later ones come from urls.get.
      check: async (attempt) => step(attempt === 1 ? created : await getPrediction(ctx, latest)),
      onCancel: async () => {
        if (finished) return;
        finished = true;
        await cancelPrediction(ctx, latest);
      },
    });
  } catch (error) {
    // Any other way out of polling (a failed status read, say) abandons the prediction too: stop it.
    if (!finished && !ctx.signal.aborted) {
      finished = true;
      await cancelPrediction(ctx, latest).catch(() => {
        // The prediction may already be gone; the original error is what the caller needs.
      });
    }
    throw error;
  }
}

/** Create a prediction and wait for its output files. */
export async function runPrediction(
  ctx: AdapterContext,
  model: string,
  options: CreatePredictionOptions,
): Promise<{ prediction: Prediction; files: string[] }> {
  const created = await createPrediction(ctx, model, options);
  return waitForPrediction(ctx, created);
}
