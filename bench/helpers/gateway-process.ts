/**
 * The Tarash gateway under test in bench/server, as its own process: auth off on 127.0.0.1, one route
 * `bench` → openai/gpt-image-2 whose base URL is the fake upstream, no retries. Argument: the upstream
 * port. BENCH_LOG_LEVEL sets the gateway's log level (default `info`, the service default: one JSON
 * line per request on stderr, which the parent sends to a file). BENCH_GATEWAY_TRANSPORT=fetch injects a
 * fetch, so provider requests take the fetch transport instead of undici's dispatcher.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadServer } from "./library.js";

const { startServer } = await loadServer();

const upstreamPort = Number(process.argv[2]);
if (!Number.isInteger(upstreamPort) || upstreamPort <= 0) throw new Error(`usage: gateway-process.ts <upstream port>, got ${process.argv[2]}`);

try {
  const running = await startServer({
    config: {
      server: { host: "127.0.0.1", port: 0, shutdownTimeoutMs: 1000 },
      logLevel: (process.env.BENCH_LOG_LEVEL ?? "info") as "info",
      providers: { openai: { apiKey: "sk-bench-dummy-key-0000000000", baseUrl: `http://127.0.0.1:${upstreamPort}/v1` } },
      routes: { bench: { model: "openai/gpt-image-2", retries: 0 } },
      defaultRoutes: { image: "bench" },
      defaults: { maxRetries: 0 },
      storage: { dir: mkdtempSync(join(tmpdir(), "tarash-bench-")), signingSecret: "bench-signing-secret" },
    },
    env: {},
    // BENCH_GATEWAY_TRANSPORT=fetch: provider requests on an injected fetch (the fetch transport), to
    // compare with the default undici dispatcher in the same run.
    ...(process.env.BENCH_GATEWAY_TRANSPORT === "fetch" ? { fetch: (input: string | URL | Request, init?: RequestInit) => globalThis.fetch(input, init) } : {}),
  });
  process.send!({ type: "ready", port: running.port });
  process.on("disconnect", () => {
    void running.close("bench finished").finally(() => process.exit(0));
  });
} catch (error) {
  process.send!({ type: "error", message: (error as Error).stack ?? String(error) });
  process.exit(1);
}
