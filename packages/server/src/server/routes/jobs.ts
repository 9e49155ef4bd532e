import type { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { ValidationError } from "../../../../../src/core/errors.js";
import { checkUrl } from "../../../../../src/core/media/ssrf.js";
import type { GenerationConfigInput } from "../../../../../src/core/types.js";
import { badRequest, notFound } from "../errors.js";
import type { JobEvent } from "../jobs/queue.js";
import { JobCreateBodySchema } from "../schemas.js";
import { type AppEnv, type AppState, jobView, signedResult } from "../state.js";
import type { ClientConfig } from "../routing.js";
import { checkCursor, jsonBody, withClientFields } from "./shared.js";
import { checkFallbackChain } from "../structure-limits.js";
import { usageMeta } from "../usage/events.js";

/** Library config fields: a validation failure on one of these is about how the job names its model. */
const CONFIG_FIELDS = new Set(["config", "provider", "model", "timeoutMs", "pollIntervalMs", "maxPollAttempts", "maxRetries", "validation", "mock", "fallbacks"]);

function configField(body: { model?: string | undefined; route?: string | undefined; config?: ClientConfig | undefined }, field: string): string {
  if (field === "config" || field.startsWith("config.")) return field;
  if (body.config) return `config.${field}`;
  // model and route are the only ways to name a model outside config
  return body.route !== undefined ? "route" : "model";
}

/**
 * A caller's config chain: every provider must exist and every fallback's model must resolve, so a
 * typo is a 400 at submit rather than a job that fails only when the chain reaches it.
 */
function checkClientChain(state: AppState, config: ClientConfig, kind: "image" | "video", path: string): void {
  const providers = state.gateway.providers();
  if (config.provider !== undefined && !providers.includes(config.provider)) {
    throw badRequest(`${path}.provider: provider ${JSON.stringify(config.provider)} is not available; available: ${[...providers].sort().join(", ")}`, `${path}.provider`);
  }
  config.fallbacks?.forEach((fallback, i) => {
    const at = `${path}.fallbacks.${i}`;
    try {
      state.gateway.resolveModel(fallback.model, { ...(fallback.provider ? { provider: fallback.provider } : {}), kind });
    } catch (error) {
      if (error instanceof ValidationError) throw badRequest(`${at}.model: ${error.message}`, `${at}.model`);
      throw error;
    }
    checkClientChain(state, fallback, kind, at);
  });
}

/** Native async jobs: submit, list (the tenant's, newest first), read, stream progress (SSE), cancel. */
export function jobRoutes(app: Hono<AppEnv>, state: AppState): void {
  app.post("/v1/jobs", async (c) => {
    const body = await jsonBody(c, JobCreateBodySchema, state.config.limits);
    if (body.config) {
      const tooLong = checkFallbackChain(body.config, state.config.limits, "config");
      if (tooLong) throw tooLong;
    }
    let config: GenerationConfigInput;
    if (body.config) config = state.router.fromClient(body.config, body.kind);
    else if (body.route !== undefined) {
      if (!state.router.hasRoute(body.route)) {
        throw badRequest(`unknown route ${JSON.stringify(body.route)}; configured: ${state.router.routeNames().join(", ") || "(none)"}`, "route");
      }
      config = state.router.resolve(body.route, body.kind);
    } else config = state.router.resolve(body.model, body.kind);
    if (body.config) checkClientChain(state, body.config, body.kind, "config");
    // Reject a bad request now rather than as a failed job later, naming the field as the client wrote it.
    const rename = (field: string) => (CONFIG_FIELDS.has(field.split(".")[0]!) ? configField(body, field) : `request.${field}`);
    await withClientFields(rename, () =>
      body.kind === "image" ? state.gateway.validateRequest(config, body.request as never) : state.gateway.validateRequest(config, body.request as never, "video"),
    );
    if (body.webhook) {
      if (!body.webhook.secret && !state.config.webhooks.secret) {
        throw badRequest("webhook.secret is required (or configure webhooks.secret on the gateway)", "webhook.secret");
      }
      const problem = checkUrl(new URL(body.webhook.url), {
        allowPrivateNetwork: state.config.webhooks.allowPrivateNetwork,
        allowedHosts: state.config.webhooks.allowedHosts,
      });
      if (problem) throw badRequest(`webhook.url refused: ${problem}`, "webhook.url");
    }
    const job = await state.queue.enqueue({
      tenant: c.get("principal").tenant,
      kind: body.kind,
      config,
      request: body.request,
      webhook: body.webhook,
      meta: usageMeta(c.get("principal").keyId, body.config ? undefined : state.router.routeName(body.route ?? body.model, body.kind)),
    });
    c.header("location", `/v1/jobs/${job.id}`);
    return c.json(await jobView(state, job), 202);
  });

  app.get("/v1/jobs", async (c) => {
    const kind = c.req.query("kind");
    if (kind !== undefined && kind !== "image" && kind !== "video") throw badRequest('kind must be "image" or "video"', "kind");
    const rawLimit = c.req.query("limit");
    const limit = rawLimit === undefined ? 20 : Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw badRequest("limit must be an integer from 1 to 100", "limit");
    await checkCursor(state, c.get("principal").tenant, c.req.query("after"), kind);
    const jobs = await state.queue.list(c.get("principal").tenant, { kind, limit: limit + 1, after: c.req.query("after") });
    const page = jobs.slice(0, limit);
    const data = await Promise.all(page.map((job) => jobView(state, job)));
    return c.json({ object: "list", data, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null, has_more: jobs.length > limit });
  });

  app.get("/v1/jobs/:id", async (c) => {
    const job = await state.queue.get(c.req.param("id"), c.get("principal").tenant);
    if (!job) throw notFound("job");
    if (job.result?.isMock === true) c.header("x-tarash-mock", "true");
    return c.json(await jobView(state, job));
  });

  app.delete("/v1/jobs/:id", async (c) => {
    const job = await state.queue.cancel(c.req.param("id"), c.get("principal").tenant, "cancelled by the client");
    if (!job) throw notFound("job");
    return c.json(await jobView(state, job));
  });

  app.get("/v1/jobs/:id/events", async (c) => {
    const id = c.req.param("id");
    const tenant = c.get("principal").tenant;
    const last = Number(c.req.header("last-event-id") ?? c.req.query("after") ?? 0);
    const abort = new AbortController();
    const events = await state.queue.events(id, tenant, { afterSeq: Number.isFinite(last) ? last : 0, signal: abort.signal });
    if (!events) throw notFound("job");
    return streamSSE(c, async (sse) => {
      sse.onAbort(() => abort.abort());
      for await (const event of events) {
        await sse.writeSSE({ event: event.type, id: String(event.seq), data: JSON.stringify(await eventData(state, id, tenant, event)) });
      }
    });
  });
}

async function eventData(state: AppState, id: string, tenant: string, event: JobEvent): Promise<JobEvent> {
  if (event.type !== "completed") return event;
  const job = await state.queue.get(id, tenant);
  return { ...event, result: (job && (await signedResult(state, job))) ?? event.result };
}
