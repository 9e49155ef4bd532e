import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { drainMediaWorkers } from "../../../../src/core/media/worker-pool.js";
import { type CreateAppOptions, type GatewayApp, createApp } from "./app.js";
import { DatabaseUnavailableError } from "./db/handle.js";
import { type LoadConfigOptions, type ServerConfig, type ServerConfigInput, loadServerConfig, parseServerConfig } from "./config.js";

export { createApp, type CreateAppOptions, type GatewayApp } from "./app.js";
export {
  ConfigError,
  ServerConfigSchema,
  defaultServerConfig,
  loadServerConfig,
  parseServerConfig,
  type LoadConfigOptions,
  type ServerConfig,
  type ServerConfigInput,
} from "./config.js";
export { hashApiKey, type Principal } from "./auth.js";
export type { Storage, StoredObject } from "./storage/storage.js";
export { assetKey, tenantOfKey, isValidTenant } from "./storage/storage.js";
export { LocalStorage, type LocalStorageOptions } from "./storage/local.js";
// S3Storage and S3StorageError: @tarash-gateway/server/s3 (the AWS SDK loads only when that is imported).
export type { S3StorageOptions } from "./storage/s3.js";
export { UrlSigner } from "./storage/signing.js";
export * from "./jobs/queue.js";
export { MemoryJobQueue, type MemoryQueueOptions } from "./jobs/memory.js";
export { RedisJobQueue, type RedisQueueOptions } from "./jobs/redis.js";
export { signWebhook } from "./jobs/webhook.js";
export { buildOpenApi } from "./openapi.js";
export { DatabaseHandle, DatabaseUnavailableError } from "./db/handle.js";
export { MigrationError } from "./db/migrations.js";

export interface StartServerOptions extends CreateAppOptions {
  /** A validated config, a raw config object (validated here), or where to load one from. */
  config?: ServerConfig | ServerConfigInput | undefined;
  load?: LoadConfigOptions | undefined;
  /** Override the configured host/port (0 = any free port). */
  host?: string | undefined;
  port?: number | undefined;
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:8787 */
  url: string;
  port: number;
  host: string;
  server: Server;
  gateway: GatewayApp;
  /**
   * Graceful stop: no new connections, in-flight requests finish, in-process jobs are cancelled with
   * `reason` (their webhooks fire), then connections still open after the shutdown timeout are closed.
   */
  close(reason?: string): Promise<void>;
}

function isParsed(config: ServerConfig | ServerConfigInput): config is ServerConfig {
  const c = config as ServerConfig;
  return typeof c.server?.port === "number" && typeof c.limits?.maxBodyBytes === "number" && typeof c.queue?.concurrency === "number";
}

/** Start the gateway service on Node and resolve once it listens. */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  let config: ServerConfig;
  if (options.config) config = isParsed(options.config) ? options.config : parseServerConfig(options.config, options.env);
  else config = await loadServerConfig({ ...options.load, env: options.env ?? options.load?.env });
  if (options.host !== undefined || options.port !== undefined) {
    config = parseServerConfig({ ...config, server: { ...config.server, host: options.host ?? config.server.host, port: options.port ?? config.server.port } }, {});
  }
  const gateway = createApp(config, options);
  if (!options.database) {
    try {
      // Migrations run before the server takes requests; a failed one stops start-up naming it.
      await gateway.state.database.db();
    } catch (error) {
      if (!(error instanceof DatabaseUnavailableError)) {
        await gateway.close("start-up failed", 0);
        throw error;
      }
      // A database server that is down now may be up later: serve, and answer 503 where it is needed.
      gateway.state.logger.warn({ error: error.message }, "the database is unavailable at start-up; requests that need it answer 503 until it is back");
    }
  }
  // Jobs a previous run accepted and did not finish (a crash, kill -9) continue before new ones arrive.
  try {
    await gateway.resume();
  } catch (error) {
    await gateway.close("start-up failed", 0);
    throw error;
  }
  const server = createServer(
    {
      // Node answers 408 and closes the socket when a request is not complete in time; the check runs
      // every `connectionsCheckingInterval`, so a short timeout is enforced about that promptly.
      requestTimeout: config.server.requestTimeoutMs,
      headersTimeout: Math.min(60_000, config.server.requestTimeoutMs),
      connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(config.server.requestTimeoutMs / 4))),
    },
    getRequestListener(gateway.fetch),
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.server.port, config.server.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${hostForUrl}:${address.port}`;
  gateway.setBaseUrl(url);
  gateway.state.logger.info({ url, authRequired: gateway.state.auth.required, storage: gateway.state.storage.kind, queue: gateway.state.queue.kind }, "tarash gateway listening");

  let closing: Promise<void> | undefined;
  const close = (reason = "the server is shutting down") =>
    (closing ??= (async () => {
      const timeout = config.server.shutdownTimeoutMs;
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Jobs are settled (cancelled with the reason) while HTTP requests in flight finish; SSE streams
      // end with the jobs' terminal events.
      await gateway.close(reason, timeout);
      const timer = setTimeout(() => server.closeAllConnections(), timeout).unref();
      await drained;
      clearTimeout(timer);
      // Only now: requests that were still running may have needed the media workers (mock rendering).
      await drainMediaWorkers();
      gateway.state.logger.info({ reason }, "tarash gateway stopped");
    })());
  return { url, port: address.port, host: address.address, server, gateway, close };
}
