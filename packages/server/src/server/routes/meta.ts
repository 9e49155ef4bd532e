import type { Hono } from "hono";
import type { ModelCapability } from "../../../../../src/core/capabilities.js";
import { ApiError, badRequest, notFound } from "../errors.js";
import { renderDocs } from "../docs-page.js";
import { buildOpenApi } from "../openapi.js";
import type { AppEnv, AppState } from "../state.js";
import { tenantOfKey } from "../storage/storage.js";

export const VERSION = "0.1.0";

/** One catalog entry; `status` is as of the gateway's clock, and the lifecycle facts travel with it. */
function modelEntry(cap: ModelCapability) {
  const { provider, model, kind, price, adapterHints: _hints, status, deprecatedOn, shutdownOn, replacement, verifiedOn, source, ...capabilities } = cap;
  const lifecycle = { deprecatedOn: deprecatedOn ?? null, shutdownOn: shutdownOn ?? null, replacement: replacement ?? null, verifiedOn: verifiedOn ?? null, source: source ?? null };
  return { id: `${provider}/${model}`, object: "model", owned_by: provider, kind, provider, model, status: status ?? "ga", lifecycle, capabilities, price: price ?? null };
}

/** Catalog, health, metrics, OpenAPI, docs. */
export function metaRoutes(app: Hono<AppEnv>, state: AppState): void {
  app.get("/v1/models", (c) => {
    const kind = c.req.query("kind");
    const provider = c.req.query("provider");
    if (kind !== undefined && kind !== "image" && kind !== "video") throw badRequest('kind must be "image" or "video"', "kind");
    if (provider !== undefined && !state.gateway.providers().includes(provider)) {
      throw badRequest(`unknown provider ${JSON.stringify(provider)}; available: ${[...state.gateway.providers()].sort().join(", ")}`, "provider");
    }
    const models = state.gateway.listModels({
      ...(kind ? { kind } : {}),
      ...(provider ? { provider } : {}),
    });
    const routes = Object.entries(state.config.routes).map(([id, r]) => ({
      id,
      model: r.model,
      fallbacks: (r.fallbacks ?? []).map((f) => (typeof f === "string" ? f : f.model)),
      description: r.description ?? null,
    }));
    return c.json({ object: "list", data: models.map(modelEntry), routes });
  });

  app.get("/healthz", async (c) => {
    // A check that throws is a dependency that is down; the reason goes to the log, not the response.
    const check = (name: string, probe: () => Promise<{ ok: boolean; detail?: string | undefined }>) =>
      probe().catch((error: unknown) => {
        state.logger.error({ dependency: name, error }, "health check failed");
        return { ok: false, detail: "health check failed (see the server log)" };
      });
    const [storage, queue] = await Promise.all([check("storage", () => state.storage.health()), check("queue", () => state.queue.health())]);
    const ok = storage.ok && queue.ok && !state.draining;
    return c.json(
      {
        status: ok ? "ok" : "degraded",
        uptimeSeconds: Math.round((Date.now() - state.startedAt) / 1000),
        ...(state.draining ? { draining: true } : {}),
        dependencies: {
          storage: { ok: storage.ok, kind: state.storage.kind, ...(storage.detail ? { detail: storage.detail } : {}) },
          queue: { ok: queue.ok, kind: state.queue.kind, ...(queue.detail ? { detail: queue.detail } : {}) },
        },
      },
      ok ? 200 : 503,
      // Readiness: a 503 takes the node out of rotation until its dependencies are back.
      ok ? {} : { "Retry-After": "5" },
    );
  });

  // Liveness: the process answers. No dependency is checked, so an outage of Redis or storage (which a
  // restart would not fix) never gets gateway processes restarted.
  app.get("/livez", (c) => c.json({ status: "alive", uptimeSeconds: Math.round((Date.now() - state.startedAt) / 1000) }));

  app.get("/metrics", async (c) => {
    // A queue that cannot be read scrapes as tarash_queue_up 0 without job counts, never as zeros.
    const jobs = await state.queue.counts().catch((error: unknown) => {
      state.logger.warn({ queue: state.queue.kind, error: (error as Error).message }, "job counts unavailable for /metrics");
      return undefined;
    });
    const text = state.metrics.render(jobs);
    return c.body(text, 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
  });

  let openapi: Record<string, unknown> | undefined;
  const document = () => (openapi ??= buildOpenApi({ version: VERSION, serverUrl: state.config.server.publicUrl }));
  app.get("/openapi.json", (c) => c.json(document()));
  app.get("/docs", (c) => c.html(renderDocs(document() as Parameters<typeof renderDocs>[0])));

  app.get("/files/*", async (c) => {
    const encoded = c.req.path.slice("/files/".length);
    let key: string;
    try {
      key = encoded.split("/").map(decodeURIComponent).join("/");
    } catch {
      throw notFound("file");
    }
    const owner = tenantOfKey(key);
    if (!owner) throw notFound("file");
    const sig = c.req.query("sig");
    const expires = c.req.query("expires");
    if (sig !== undefined || expires !== undefined) {
      const verdict = state.signer.verify(key, expires, sig);
      if (verdict === "expired") throw new ApiError(403, "the file link has expired", { code: "url_expired" });
      if (verdict !== "ok") throw new ApiError(403, "the file link signature is invalid", { code: "invalid_signature" });
    } else {
      // Without a signature, the owner's credentials open the file; anyone else sees nothing.
      const principal = await state.auth.authenticate(c.req.raw.headers);
      if (!principal.service && principal.tenant !== owner) throw notFound("file");
      if (principal.via === "anonymous" && state.auth.required) throw notFound("file");
    }
    const object = await state.storage.get(key);
    if (!object) throw notFound("file");
    return new Response(object.body, {
      headers: {
        "content-type": object.mediaType,
        "content-length": String(object.size),
        "cache-control": "private, max-age=300",
        "x-content-type-options": "nosniff",
      },
    });
  });
}
