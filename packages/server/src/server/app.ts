import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { routePath } from "hono/route";
import { createGateway } from "../../../../src/core/gateway.js";
import { type Logger, type LoggerOptions, createLogger, logsAt } from "../../../../src/core/logger.js";
import type { ProviderDefinition } from "../../../../src/core/provider.js";
import { registerSecret } from "../../../../src/core/redact.js";
import { adminRoutes } from "./admin/routes.js";
import { KeyStore } from "./admin/store.js";
import { createAuthenticator } from "./auth.js";
import { type S3StorageConfig, type ServerConfig, authRequired } from "./config.js";
import { DatabaseHandle, DatabaseUnavailableError } from "./db/handle.js";
import { ApiError, legacyErrorBody, openAIErrorBody, toApiError } from "./errors.js";
import { Generator } from "./generation.js";
import { UsageLedger } from "./usage/ledger.js";
import { AssetStore } from "./assets/store.js";
import { AssetSweeper } from "./assets/sweeper.js";
import { assetRoutes } from "./routes/assets.js";
import { BudgetGuard } from "./usage/budgets.js";
import { generationJobHandler } from "./jobs/handler.js";
import { MemoryJobQueue } from "./jobs/memory.js";
import { type JobQueue, QueueClosedError, QueueFullError } from "./jobs/queue.js";
import { RedisJobQueue, redisQueueOptions } from "./jobs/redis.js";
import { DurableJournal } from "./jobs/durable.js";
import { WebhookDispatcher } from "./jobs/outbox.js";
import { RecordedJobQueue } from "./jobs/recorded.js";
import { JobStore } from "./jobs/store.js";
import { deliverWebhook, webhookPayload } from "./jobs/webhook.js";
import { catalogLabels } from "./metric-labels.js";
import { Metrics } from "./metrics.js";
import { RateLimiter } from "./rate-limit.js";
import { MockAccess } from "./mock-access.js";
import { Router, checkRouteTargets } from "./routing.js";
import { imageRoutes } from "./routes/images.js";
import { jobRoutes } from "./routes/jobs.js";
import { legacyRoutes } from "./routes/legacy.js";
import { mcpRoutes } from "./routes/mcp.js";
import { metaRoutes } from "./routes/meta.js";
import { playgroundRoutes } from "./playground/index.js";
import { videoRoutes } from "./routes/videos.js";
import { usageRoutes } from "./routes/usage.js";
import { type AppContext, type AppEnv, type AppState, jobView } from "./state.js";
import { LocalStorage } from "./storage/local.js";
import { outputStorage } from "./storage/output.js";
import { LazyStorage } from "./storage/lazy.js";
import { UrlSigner } from "./storage/signing.js";
import type { Storage } from "./storage/storage.js";

export interface CreateAppOptions {
  /** Replace the built-in local storage (e.g. an S3 implementation). */
  storage?: ((deps: { signer: UrlSigner; baseUrl: () => string }) => Storage) | undefined;
  /** Replace the in-process queue (e.g. a BullMQ implementation). */
  queue?: ((deps: { logger: Logger }) => JobQueue) | undefined;
  /** Extra providers to register on the gateway (embedding with your own providers). */
  providers?: readonly ProviderDefinition[] | undefined;
  /** Log sink: a pino-compatible logger or a function receiving each JSON line (default: JSON lines on stderr at config.logLevel). */
  logger?: LoggerOptions["sink"];
  /** Origin for file URLs before the server listens (startServer sets it). */
  baseUrl?: string | undefined;
  env?: Record<string, string | undefined> | undefined;
  /**
   * Use this database instead of opening `config.database` (tests, embedding). The app does not close
   * it, and startServer does not open it at start-up (it opens on first use).
   */
  database?: DatabaseHandle | undefined;
  /** Record every generation attempt in the usage ledger (default true). */
  recordUsage?: boolean | undefined;
  /** Send provider requests and downloads with this fetch instead of undici's dispatcher (tests, benchmarks, custom runtimes). */
  fetch?: typeof fetch | undefined;
}

export interface GatewayApp {
  /** The Hono app: mount it, or serve `fetch` with any WHATWG-fetch server. */
  app: Hono<AppEnv>;
  fetch: (request: Request) => Response | Promise<Response>;
  state: AppState;
  setBaseUrl(url: string): void;
  /**
   * Take over the jobs a previous run of this gateway left unfinished and start delivering the webhook
   * outbox (single-node durable queue; nothing to do otherwise). startServer calls it once the database
   * is open; when the database is down it keeps trying in the background.
   */
  resume(): Promise<number>;
  /**
   * Stop taking jobs and settle those in flight (cancelled with `reason`), wait for their webhooks up
   * to `timeoutMs`, then release resources. HTTP draining is the server's part (startServer does it).
   */
  close(reason?: string, timeoutMs?: number): Promise<void>;
}

const LEGACY_PREFIX = "/image/";

/** The provider a model name resolves to, or undefined when it does not (the request is validated later). */
function providerOf(gateway: ReturnType<typeof createGateway>) {
  return (model: string, provider: string | undefined, kind: "image" | "video") => {
    try {
      return gateway.resolveModel(model, { ...(provider ? { provider } : {}), kind }).provider;
    } catch {
      return undefined;
    }
  };
}

function renderError(c: AppContext, e: ApiError): Response {
  for (const [k, v] of Object.entries(e.headers)) c.header(k, v);
  const body = c.req.path.startsWith(LEGACY_PREFIX) ? legacyErrorBody(e) : openAIErrorBody(e);
  return c.json(body, e.status as 400);
}

/** Build the gateway service for a validated config. */
export function createApp(config: ServerConfig, options: CreateAppOptions = {}): GatewayApp {
  const env = options.env ?? process.env;
  const logger = createLogger({ level: config.logLevel, sink: options.logger, bindings: { component: "tarash-server" } });
  const metrics = new Metrics();
  const signingSecret = (config.storage.type === "local" ? config.storage.signingSecret : undefined) ?? env.TARASH_SIGNING_SECRET;
  registerSecret(signingSecret);
  registerSecret(config.webhooks.secret);
  for (const p of Object.values(config.providers)) registerSecret(p.apiKey);
  registerSecret(config.database.url);
  registerSecret(databasePassword(config.database.url));
  const signer = new UrlSigner(signingSecret);
  if (!signingSecret && config.storage.type === "local") logger.info({}, "no storage.signingSecret: file URLs are signed with a per-process key and stop working after a restart");

  const holder = { baseUrl: options.baseUrl ?? `http://${config.server.host}:${config.server.port}` };
  const baseUrl = () => config.server.publicUrl?.replace(/\/$/, "") ?? holder.baseUrl;
  const storage =
    options.storage?.({ signer, baseUrl }) ??
    (config.storage.type === "s3"
      ? s3Storage(config.storage)
      : new LocalStorage({ dir: config.storage.dir, signer, baseUrl, defaultTtlSeconds: config.storage.urlTtlSeconds }));
  const network = { allowPrivateNetwork: config.network.allowPrivateNetwork, allowedHosts: config.network.allowedHosts, maxResponseBytes: config.network.maxResponseBytes };
  const gateway = createGateway({
    providers: config.providers,
    aliases: config.aliases,
    defaults: config.defaults,
    logger,
    network,
    storage: outputStorage(storage),
    env,
    // Published schemas of fal/Replicate models outside the catalog survive restarts here (see README).
    remoteSchemas: { dir: env.TARASH_SCHEMA_CACHE_DIR ?? "./.tarash/schemas" },
    fetch: options.fetch,
  });
  for (const p of options.providers ?? []) gateway.registerProvider(p);
  checkRouteTargets(config, gateway);
  metrics.useLabelPolicy(catalogLabels(config, gateway));
  const ownsDatabase = options.database === undefined;
  const database =
    options.database ?? new DatabaseHandle({ url: config.database.url, dir: config.database.dir, maxConnections: config.database.maxConnections });
  const usage = options.recordUsage === false ? undefined : new UsageLedger(database, metrics, logger);
  const keys = new KeyStore(database);
  // Database tenants and keys matter only where requests carry credentials (auth off: one anonymous tenant).
  const keyStoreInUse = authRequired(config);
  // Without a ledger (a worker with no shared database) there is no spend to check against.
  const budgets = usage ? new BudgetGuard(config, database, usage, keyStoreInUse ? keys : undefined, logger) : undefined;
  // Assets are recorded where usage is (a worker without a shared database records neither).
  const assets = usage ? new AssetStore(database, storage, logger) : undefined;
  const generator = new Generator(gateway, storage, metrics, network, logger, usage, budgets, assets);
  const sweeper = assets ? assetSweeper(config, assets, storage, logger) : undefined;
  const webhookOptions = {
    maxAttempts: config.webhooks.maxAttempts,
    initialBackoffMs: config.webhooks.initialBackoffMs,
    timeoutMs: config.webhooks.timeoutMs,
    policy: { allowPrivateNetwork: config.webhooks.allowPrivateNetwork, allowedHosts: config.webhooks.allowedHosts },
    logger,
    metrics,
    defaultSecret: config.webhooks.secret,
  };
  // The database has the process's jobs (single node) or a copy of their records (Redis), unless this
  // process has no database of its own to write to (a worker without a shared one).
  const store = options.recordUsage === false ? undefined : new JobStore(database);
  const durable = store && !options.queue && config.queue.type === "memory" && config.queue.durable ? { store } : undefined;
  let memoryQueue: MemoryJobQueue | undefined;
  let dispatcher: WebhookDispatcher | undefined;
  let journal: DurableJournal | undefined;
  if (durable) {
    dispatcher = new WebhookDispatcher(
      durable.store,
      { ...webhookOptions, onDelivery: (jobId, delivery) => memoryQueue?.noteWebhookDelivery(jobId, delivery) },
      logger,
    );
    const outboxDispatcher = dispatcher;
    journal = new DurableJournal({
      store: durable.store,
      logger,
      retentionSeconds: config.queue.retentionSeconds,
      maxRetainedJobs: config.queue.maxRetainedJobs,
      // The body is the job's public view at settle time, signed on every attempt: built once, here.
      webhook: async (job) =>
        job.webhook
          ? { url: job.webhook.url, secret: job.webhook.secret ?? null, event: `job.${job.status}`, body: webhookPayload(job, await jobView(state, job)) }
          : undefined,
      onOutbox: () => outboxDispatcher.wake(),
    });
  }
  let queue: JobQueue =
    options.queue?.({ logger }) ??
    (config.queue.type === "redis"
      ? new RedisJobQueue(redisQueueOptions(config, "api", logger))
      : (memoryQueue = new MemoryJobQueue({ ...config.queue, logger, journal })));
  const recorded = store && queue.kind === "redis" ? new RecordedJobQueue(queue, store, logger) : undefined;
  if (recorded) queue = recorded;
  queue.process(generationJobHandler(generator));

  const state: AppState = {
    config,
    database,
    usage,
    assets,
    gateway,
    generator,
    storage,
    signer,
    queue,
    // TARASH_MOCK=1 is the library's gateway-wide mock mode (gateway-core.ts): the operator's switch too.
    router: new Router(config, new MockAccess(config, providerOf(gateway), env.TARASH_MOCK === "1")),
    metrics,
    logger,
    keys,
    auth: createAuthenticator(config, keys),
    limiter: new RateLimiter(config.limits),
    get baseUrl() {
      return baseUrl();
    },
    set baseUrl(url: string) {
      holder.baseUrl = url.replace(/\/$/, "");
    },
    startedAt: Date.now(),
    draining: false,
    shutdown: new AbortController(),
  };

  queue.onSettled(async (job) => {
    logger.info({ jobId: job.id, kind: job.kind, status: job.status, error: job.error?.type }, "job settled");
    // A durable queue's webhooks go through the outbox (written with the job's end), not from here.
    if (!job.webhook || durable) return;
    job.webhookDelivery = await deliverWebhook(job, await jobView(state, job), webhookOptions, state.shutdown.signal);
  });
  recorded?.recordSettled();

  let resumeRetry: NodeJS.Timeout | undefined;
  const app = new Hono<AppEnv>();

  app.use("*", async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : `http_${randomUUID().replace(/-/g, "")}`;
    c.set("requestId", requestId);
    await next();
    // One id per HTTP request, echoed and logged, so a client's report matches a log line; the library's
    // own generation id travels separately as x-tarash-generation-id (and is logged with it).
    c.header("x-request-id", requestId);
    const generationId = c.res.headers.get("x-tarash-generation-id") ?? undefined;
    if (state.draining) c.header("connection", "close");
    const route = routePath(c, -1) || "unmatched";
    const status = c.res.status;
    const seconds = (performance.now() - started) / 1000;
    metrics.requests.inc({ route, method: c.req.method, status: String(status) });
    metrics.requestDuration.observe({ route, method: c.req.method }, seconds);
    // The record is built only when its level is on: at `warn` a successful request costs no log work.
    const level = status >= 500 ? "warn" : "info";
    if (!logsAt(logger, level)) return;
    const principal = c.get("principal") as AppEnv["Variables"]["principal"] | undefined;
    const fields = { requestId, method: c.req.method, route, path: c.req.path, status, ms: Math.round(seconds * 1000), tenant: principal?.tenant, generationId };
    // A mocked generation is marked in its log line as in its response (x-tarash-mock).
    if (c.res.headers.get("x-tarash-mock") === "true") Object.assign(fields, { mock: true });
    logger[level](fields, level === "warn" ? "request failed" : "request");
  });

  const limit = bodyLimit({
    maxSize: config.limits.maxBodyBytes,
    // The rest of the body is never read, so the connection cannot carry another request: say so, or a
    // keep-alive client reuses a socket the server is about to drop.
    onError: (c) =>
      renderError(
        c as AppContext,
        new ApiError(413, `the request body exceeds the limit of ${config.limits.maxBodyBytes} bytes (limits.maxBodyBytes)`, {
          code: "body_too_large",
          headers: { connection: "close" },
        }),
      ),
  });
  for (const prefix of ["/v1/*", "/image/*", "/mcp"]) {
    app.use(prefix, async (c, next) => {
      const principal = await state.auth.authenticate(c.req.raw.headers);
      c.set("principal", principal);
      const tenantRequestsPerMinute = keyStoreInUse ? await tenantRpm(keys, principal.tenant, logger) : undefined;
      const verdict = state.limiter.take({ ...principal, tenantRequestsPerMinute });
      if (!verdict.ok) {
        const who = verdict.scope === "key" ? `API key ${principal.keyId ?? ""}` : `tenant ${JSON.stringify(principal.tenant)}`;
        throw new ApiError(429, `rate limit exceeded: ${who} allows ${verdict.requestsPerMinute} requests per minute`, {
          code: "rate_limit_exceeded",
          headers: { "Retry-After": String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))) },
        });
      }
      await next();
    });
    app.use(prefix, limit);
  }
  app.use("/admin/*", limit);

  legacyRoutes(app, state);
  imageRoutes(app, state);
  videoRoutes(app, state);
  jobRoutes(app, state);
  usageRoutes(app, state);
  adminRoutes(app, state);
  assetRoutes(app, state);
  metaRoutes(app, state);
  mcpRoutes(app, state);
  playgroundRoutes(app);

  app.notFound((c) => renderError(c, new ApiError(404, `no route for ${c.req.method} ${c.req.path}`, { code: "unknown_route" })));
  app.onError((error, c) => {
    const mapped =
      error instanceof DatabaseUnavailableError
        ? {
            api: new ApiError(503, "the gateway's database is unavailable; retry shortly", {
              type: "api_error",
              code: "database_unavailable",
              headers: { "Retry-After": String(error.retryAfterSeconds) },
            }),
            internal: false,
          }
        : error instanceof QueueFullError
        ? { api: new ApiError(429, error.message, { code: "queue_full", headers: { "Retry-After": "5" } }), internal: false }
        : error instanceof QueueClosedError
          ? { api: new ApiError(503, error.message, { type: "api_error", code: "shutting_down" }), internal: false }
          : toApiError(error);
    if (mapped.internal) logger.error({ requestId: c.get("requestId"), error, stack: error.stack }, "unexpected error");
    return renderError(c, mapped.api);
  });

  return {
    app,
    fetch: (request) => app.fetch(request),
    state,
    setBaseUrl(url) {
      state.baseUrl = url;
    },
    async resume() {
      if (!memoryQueue || !dispatcher || state.draining) return 0;
      const queueToResume = memoryQueue;
      dispatcher.start();
      const attempt = () => queueToResume.recover();
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof DatabaseUnavailableError)) throw error;
        logger.warn({ error: error.message }, "the database is unavailable: unfinished jobs of a previous run resume when it is back");
        resumeRetry = setInterval(() => {
          void attempt().then(
            () => clearInterval(resumeRetry),
            () => undefined,
          );
        }, error.retryAfterSeconds * 1000).unref();
        return 0;
      }
    },
    async close(reason = "the server is shutting down", timeoutMs = config.server.shutdownTimeoutMs) {
      state.draining = true;
      clearInterval(resumeRetry);
      const started = Date.now();
      await queue.close(reason, { timeoutMs });
      journal?.close();
      // Webhooks of the jobs that settled as the queue closed go out within what is left of the timeout.
      await dispatcher?.close(Math.max(0, timeoutMs - (Date.now() - started)));
      await sweeper?.stop();
      state.shutdown.abort();
      await usage?.close(timeoutMs);
      await assets?.close(timeoutMs);
      if (ownsDatabase) await database.close();
    },
  };
}

/**
 * A tenant's requests-per-minute from the database. Rate limits are not worth refusing requests over: when
 * the database cannot be reached and nothing was read before, the config file's limits apply.
 */
async function tenantRpm(keys: KeyStore, tenant: string, logger: Logger): Promise<number | undefined> {
  try {
    return (await keys.tenant(tenant, { stale: true }))?.requestsPerMinute;
  } catch (error) {
    if (!(error instanceof DatabaseUnavailableError)) throw error;
    logger.debug({ tenant, error: error.message }, "tenant rate limit from the config only: the database is unavailable");
    return undefined;
  }
}

/**
 * The sweeper of stored objects without rows, started here (first run shortly after start-up). Not where
 * a Redis worker writes outputs it cannot record (no shared database): those objects have no rows by design.
 */
function assetSweeper(config: ServerConfig, assets: AssetStore, storage: Storage, logger: Logger): AssetSweeper | undefined {
  const options = config.assets.sweeper;
  if (!options.enabled) return undefined;
  if (config.queue.type === "redis" && !config.database.url) {
    logger.info({}, "asset sweeper off: Redis workers without database.url store outputs this node cannot see rows for");
    return undefined;
  }
  const sweeper = new AssetSweeper(assets, storage, logger, {
    intervalMs: options.intervalSeconds * 1000,
    graceMs: options.graceSeconds * 1000,
    batchSize: options.batchSize,
    maxObjectsPerRun: options.maxObjectsPerRun,
  });
  sweeper.start();
  return sweeper;
}

/** The password inside a postgres:// URL, so it is redacted on its own too (driver errors quote parts). */
function databasePassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

/** S3 storage; the AWS SDK loads with the first storage call, so a gateway on local storage never loads it. */
function s3Storage(config: S3StorageConfig): LazyStorage {
  // Registered now, not when the module loads: a log line before the first upload stays masked too.
  registerSecret(config.secretAccessKey);
  registerSecret(config.sessionToken);
  return new LazyStorage("s3", async () => (await import("./storage/s3.js")).S3Storage.fromConfig(config));
}
