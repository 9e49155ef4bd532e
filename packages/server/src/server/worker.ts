import { parseArgs } from "node:util";
import { type CreateAppOptions, type GatewayApp, createApp } from "./app.js";
import { ConfigError, loadServerConfig } from "./config.js";
import { RedisJobQueue, redisQueueOptions } from "./jobs/redis.js";

const USAGE = `Usage: tarash worker [--config FILE] [--concurrency N]

Runs jobs from the gateway's Redis queue (queue.type "redis" in tarash.config.json): API nodes accept
jobs, any number of workers run them with the same providers, storage and webhooks. SIGINT/SIGTERM stop
taking jobs and let running ones finish (up to server.shutdownTimeoutMs; then they are handed back to the
queue for another worker).`;

export interface RunWorkerOptions {
  /** Where messages go (default: stdout / stderr). */
  out?: ((line: string) => void) | undefined;
  err?: ((line: string) => void) | undefined;
  env?: Record<string, string | undefined> | undefined;
  /** Install SIGINT/SIGTERM handlers for graceful shutdown (default true). */
  handleSignals?: boolean | undefined;
  /** Called once the worker takes jobs (tests, embedding). */
  onReady?: ((worker: RunningWorker) => void) | undefined;
  /** Extra providers and a log sink, as for createApp. */
  providers?: CreateAppOptions["providers"];
  logger?: CreateAppOptions["logger"];
}

export interface RunningWorker {
  gateway: GatewayApp;
  queue: RedisJobQueue;
  /** Stop taking jobs; running ones finish or are handed back after the shutdown timeout. */
  close(reason?: string): Promise<void>;
}

/**
 * The `tarash worker` command. Resolves with the process exit code once the worker has stopped
 * (after SIGINT/SIGTERM or close()), or at once with 2 for bad arguments / an invalid config.
 */
export async function runWorker(argv: readonly string[], options: RunWorkerOptions = {}): Promise<number> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = options.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  let values: { config?: string | undefined; concurrency?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { config: { type: "string", short: "c" }, concurrency: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000)) {
    err(`--concurrency must be an integer between 1 and 1000, got ${JSON.stringify(values.concurrency)}`);
    return 2;
  }
  let config;
  try {
    config = await loadServerConfig({ path: values.config, env: options.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      err(error.message);
      return 2;
    }
    throw error;
  }
  if (config.queue.type !== "redis") {
    err('Invalid config: queue.type: tarash worker needs queue.type "redis" (with queue.url); the memory queue runs jobs inside tarash serve');
    return 2;
  }
  if (concurrency !== undefined) config = { ...config, queue: { ...config.queue, concurrency } };
  const workerConfig = config;
  let queue: RedisJobQueue | undefined;
  let gateway: GatewayApp;
  try {
    gateway = createApp(workerConfig, {
      env: options.env,
      providers: options.providers,
      logger: options.logger,
      queue: ({ logger }) => (queue = new RedisJobQueue(redisQueueOptions(workerConfig, "worker", logger))),
      // The embedded database belongs to one process (the API node's): a worker records usage (and copies
      // job records) only in a PostgreSQL server they share.
      recordUsage: workerConfig.database.url !== undefined,
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      err(error.message);
      return 2;
    }
    throw error;
  }
  if (!workerConfig.database.url) gateway.state.logger.warn({}, "no database.url: the usage and the results of the jobs this worker runs are not copied into the database (the embedded database belongs to the API node)");
  const health = await queue!.health();
  if (!health.ok) gateway.state.logger.warn({ detail: health.detail }, "redis is not reachable yet; the worker keeps trying");

  let resolveStopped!: (code: number) => void;
  const stopped = new Promise<number>((r) => (resolveStopped = r));
  let closing: Promise<void> | undefined;
  const close = (reason = "the worker is shutting down") =>
    (closing ??= gateway.close(reason, workerConfig.server.shutdownTimeoutMs).then(() => resolveStopped(0)));
  const running: RunningWorker = { gateway, queue: queue!, close };
  out(`tarash worker running jobs from redis (prefix ${workerConfig.queue.prefix}, concurrency ${workerConfig.queue.concurrency})`);
  gateway.state.logger.info({ concurrency: workerConfig.queue.concurrency, prefix: workerConfig.queue.prefix }, "tarash worker started");
  if (options.handleSignals !== false) {
    const stop = (signal: string) => {
      out(`${signal}: shutting down (running jobs finish or go back to the queue)`);
      void close(`the worker is shutting down (${signal})`);
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  }
  options.onReady?.(running);
  return stopped;
}
