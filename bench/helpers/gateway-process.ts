/**
 * The Tarash gateway under test in bench/server, as its own process: auth off on 127.0.0.1, one route
 * `bench` → openai/gpt-image-1 whose base URL is the fake upstream, no retries. Argument: the upstream
 * port. BENCH_LOG_LEVEL sets the gateway's log level (default `info`, the service default: one JSON
 * line per request on stderr, which the parent sends to a file).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { startServer } from "../../src/server/index.js";

/**
 * BENCH_FETCH=request: an experiment, not the product. Provider calls go through `undici.request`
 * wrapped as a fetch, to show what replacing WHATWG fetch in the core's HTTP layer would save.
 */
if (process.env.BENCH_FETCH === "request") {
  globalThis.fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const res = await request(url, {
      method: (init?.method ?? "GET") as "POST",
      headers: init?.headers as Record<string, string> | undefined,
      body: init?.body as string | Uint8Array | undefined,
      signal: init?.signal ?? undefined,
    });
    const body = await res.body.arrayBuffer();
    const headers = new Headers();
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
    return new Response(res.statusCode === 204 ? null : body, { status: res.statusCode, headers });
  };
}

const upstreamPort = Number(process.argv[2]);
if (!Number.isInteger(upstreamPort) || upstreamPort <= 0) throw new Error(`usage: gateway-process.ts <upstream port>, got ${process.argv[2]}`);

try {
  const running = await startServer({
    config: {
      server: { host: "127.0.0.1", port: 0, shutdownTimeoutMs: 1000 },
      logLevel: (process.env.BENCH_LOG_LEVEL ?? "info") as "info",
      providers: { openai: { apiKey: "sk-bench-dummy-key-0000000000", baseUrl: `http://127.0.0.1:${upstreamPort}/v1` } },
      routes: { bench: { model: "openai/gpt-image-1", retries: 0 } },
      defaultRoutes: { image: "bench" },
      defaults: { maxRetries: 0 },
      storage: { dir: mkdtempSync(join(tmpdir(), "tarash-bench-")), signingSecret: "bench-signing-secret" },
    },
    env: {},
  });
  process.send!({ type: "ready", port: running.port });
  process.on("disconnect", () => {
    void running.close("bench finished").finally(() => process.exit(0));
  });
} catch (error) {
  process.send!({ type: "error", message: (error as Error).stack ?? String(error) });
  process.exit(1);
}
