import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { DEFAULT_MAX_RESPONSE_BYTES } from "../../src/core/body-limit.js";
import { type TestServer, startTestServer } from "./helpers.js";

/**
 * A provider that answers with a body no process can hold: a small gzip body that inflates to 2 GiB,
 * a declared 2 GiB body, an endless chunked stream. Each used to take the gateway down (V8 died
 * decoding the body). Now the read stops at `network.maxResponseBytes` (the default here), the client
 * gets a 502 naming the provider and the cap, memory stays flat and the event loop stays free.
 */

const KEY = "sk-hostile-upstream-0123456789abcdef";
const MiB = 1024 ** 2;

/**
 * The upstream runs in its own process, as a real one would: its writing must not share this event
 * loop or this heap, or the measurements would be of the fake. It serves one mode at a time, set by
 * `POST /mode/<mode>`.
 *
 * The gzip bomb is 2 GiB of zeros: one member holding 16 MiB of zeros, repeated (concatenated members
 * are one valid gzip stream). About 2 MB on the wire, built in milliseconds instead of deflating 2 GiB.
 */
const UPSTREAM_SOURCE = `
const { createServer } = require("node:http");
const { gzipSync } = require("node:zlib");
const GiB = 1024 ** 3, MiB = 1024 ** 2;
const member = gzipSync(Buffer.alloc(16 * MiB), { level: 9 });
const bomb = Buffer.concat(Array.from({ length: (2 * GiB) / (16 * MiB) }, () => member));
const spaces = Buffer.alloc(MiB, 0x20);
let mode = "gzip-bomb";
function pour(res, chunk, total) {
  let sent = 0;
  const write = () => {
    while (sent < total && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", write);
    }
    if (!res.destroyed) res.end();
  };
  res.on("error", () => undefined);
  write();
}
const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    if (req.url.startsWith("/mode/")) { mode = req.url.slice(6); return void res.end("ok"); }
    if (mode === "gzip-bomb") {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": String(bomb.length) });
      pour(res, bomb, bomb.length);
    } else if (mode === "huge") {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(2 * GiB) });
      pour(res, spaces, 2 * GiB);
    } else {
      // No length: chunked, and it never ends.
      res.writeHead(mode === "endless" ? 200 : 500, { "content-type": "application/json" });
      pour(res, spaces, Infinity);
    }
  });
});
server.listen(0, "127.0.0.1", () => process.stdout.write(server.address().port + "\\n"));
`;

type Mode = "gzip-bomb" | "huge" | "endless" | "endless-error";

interface Upstream {
  url: string;
  setMode(mode: Mode): Promise<void>;
  close(): Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  const child = spawn(process.execPath, ["-e", UPSTREAM_SOURCE], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the upstream exited with ${code}`)));
    child.stdout.once("data", (data: Buffer) => resolve(Number(data.toString().trim())));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    async setMode(mode) {
      await (await fetch(`${url}/mode/${mode}`, { method: "POST" })).text();
    },
    close: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill();
      }),
  };
}

/** While `work` runs: the worst /healthz latency and the highest RSS, sampled every 50 ms. */
async function watch<T>(gw: TestServer, work: () => Promise<T>): Promise<{ result: T; worstHealthzMs: number; peakRss: number; probes: number }> {
  let running = true;
  let worstHealthzMs = 0;
  let peakRss = process.memoryUsage().rss;
  let probes = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  const prober = (async () => {
    while (running) {
      const t0 = performance.now();
      const res = await fetch(`${gw.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      assert.equal(res.status, 200);
      worstHealthzMs = Math.max(worstHealthzMs, performance.now() - t0);
      probes++;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    const result = await work();
    running = false;
    await prober;
    return { result, worstHealthzMs, peakRss, probes };
  } finally {
    running = false;
    clearInterval(sampler);
  }
}

describe("a hostile upstream cannot crash or exhaust the gateway", () => {
  let upstream: Upstream;
  let gw: TestServer;
  let baseline: number;
  before(async () => {
    upstream = await startUpstream();
    gw = await startTestServer({
      mock: { enabled: false },
      providers: { openai: { apiKey: KEY, baseUrl: `${upstream.url}/v1` } },
      defaults: { maxRetries: 0 },
    });
    // Load the adapter once: the first call compiles its modules, which is not what is measured here.
    await upstream.setMode("endless-error");
    await gw.json("/v1/images/generations", { body: { model: "gpt-image-2", prompt: "warm-up" } });
    baseline = process.memoryUsage().rss;
  });
  after(async () => {
    await gw.stop();
    await upstream.close();
  });

  const cases: { mode: Mode; what: string; status: number }[] = [
    { mode: "gzip-bomb", what: "a 2 MB gzip body that inflates to 2 GiB", status: 200 },
    { mode: "huge", what: "a declared 2 GiB body", status: 200 },
    { mode: "endless", what: "an endless chunked body", status: 200 },
    { mode: "endless-error", what: "an endless chunked error body", status: 500 },
  ];
  for (const c of cases) {
    it(`${c.what}: 502 naming the provider and the cap, RSS growth under 256 MB, /healthz within 1 s`, async () => {
      await upstream.setMode(c.mode);
      const t0 = performance.now();
      const { result, worstHealthzMs, peakRss, probes } = await watch(gw, () =>
        gw.json("/v1/images/generations", { body: { model: "gpt-image-2", prompt: "a lighthouse" } }),
      );
      const error = result.body.error as { message: string; type: string; code: string };
      assert.equal(result.status, 502, JSON.stringify(result.body));
      const cap = c.status === 500 ? 1024 * 1024 : DEFAULT_MAX_RESPONSE_BYTES;
      assert.match(error.message, new RegExp(`^openai sent an? (response|error) body over the ${cap}-byte limit \\(network\\.maxResponseBytes\\)`));
      assert.equal(error.type, "api_error");
      const growthMb = (peakRss - baseline) / MiB;
      assert.ok(growthMb < 256, `RSS grew by ${growthMb.toFixed(0)} MB`);
      assert.ok(probes >= 1, "/healthz was probed while the upstream answered");
      assert.ok(worstHealthzMs < 1_000, `/healthz took ${worstHealthzMs.toFixed(0)} ms`);
      assert.ok(performance.now() - t0 < 20_000, "the read was aborted, not drained");
    });
  }

  it("the cap comes from the config file's network.maxResponseBytes", async () => {
    const small = await startTestServer({
      mock: { enabled: false },
      providers: { openai: { apiKey: KEY, baseUrl: `${upstream.url}/v1` } },
      defaults: { maxRetries: 0 },
      network: { maxResponseBytes: 2 * MiB },
    });
    try {
      await upstream.setMode("endless");
      const res = await small.json("/v1/images/generations", { body: { model: "gpt-image-2", prompt: "x" } });
      assert.equal(res.status, 502);
      assert.match((res.body.error as { message: string }).message, /over the 2097152-byte limit/);
    } finally {
      await small.stop();
    }
  });
});
