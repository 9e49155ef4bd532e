import { parseArgs } from "node:util";
import { ConfigError } from "./config.js";
import { MigrationError } from "./db/migrations.js";
import { type RunningServer, startServer } from "./index.js";

const USAGE = `Usage: tarash serve [--config FILE] [--host HOST] [--port PORT]

Runs the gateway service. Without a config file (tarash.config.json, --config or TARASH_CONFIG) it uses
the embedded defaults: mock provider on, local storage in ./.tarash/storage, in-process job queue, auth
off on 127.0.0.1:8787.`;

export interface RunServeOptions {
  /** Where messages go (default: stdout / stderr). */
  out?: ((line: string) => void) | undefined;
  err?: ((line: string) => void) | undefined;
  env?: Record<string, string | undefined> | undefined;
  /** Install SIGINT/SIGTERM handlers for graceful shutdown (default true). */
  handleSignals?: boolean | undefined;
  /** Called once the server listens (tests, embedding). */
  onListening?: ((server: RunningServer) => void) | undefined;
}

/**
 * The `tarash serve` command. Resolves with the process exit code once the server has stopped
 * (after SIGINT/SIGTERM), or at once with 2 for bad arguments / an invalid config.
 */
export async function runServe(argv: readonly string[], options: RunServeOptions = {}): Promise<number> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = options.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  let values: { config?: string | undefined; host?: string | undefined; port?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { config: { type: "string", short: "c" }, host: { type: "string" }, port: { type: "string", short: "p" }, help: { type: "boolean", short: "h" } },
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
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    err(`--port must be an integer between 0 and 65535, got ${JSON.stringify(values.port)}`);
    return 2;
  }
  let running: RunningServer;
  try {
    running = await startServer({ load: { path: values.config, overrides: { host: values.host, port } }, env: options.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      err(error.message);
      return 2;
    }
    if (error instanceof MigrationError) {
      err(`cannot start: ${error.message}`);
      return 1;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES") {
      err(`cannot listen: ${(error as Error).message}`);
      return 1;
    }
    throw error;
  }
  out(`tarash gateway listening on ${running.url} (auth ${running.gateway.state.auth.required ? "on" : "off"}; playground at ${running.url}/, docs at ${running.url}/docs)`);
  // Mock mode answers every model with generated pictures at no cost: say so before anyone mistakes them.
  if (running.gateway.state.router.mockMode) {
    out("mock mode: every generation runs on the offline mock provider (responses carry isMock and x-tarash-mock: true; nothing is billed). Set \"mock\": { \"enabled\": false } in tarash.config.json to call real providers.");
  }
  options.onListening?.(running);
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      out(`${signal}: shutting down (in-flight requests finish, running jobs are cancelled)`);
      void running.close(`the server is shutting down (${signal})`).then(() => resolve(0));
    };
    if (options.handleSignals !== false) {
      process.once("SIGINT", () => stop("SIGINT"));
      process.once("SIGTERM", () => stop("SIGTERM"));
    }
    running.server.once("close", () => resolve(0));
  });
}
