/**
 * bench/overhead: what the gateway adds to one generateImage call, measured against raw fetch of the
 * same HTTP request, in the same process, against the same local OpenAI-shaped server.
 *
 *   npm run bench            (N=3000 by default; BENCH_N=… to change)
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createGateway } from "../src/index.js";

const N = Number(process.env.BENCH_N || 3000);
const WARMUP = Math.min(500, Math.floor(N / 5));
// A 1×1 PNG: the bench measures per-call overhead, not base64 throughput.
const B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
const BODY = JSON.stringify({ created: 1, data: [{ b64_json: B64 }] });

const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(BODY) });
    res.end(BODY);
  });
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;

const gateway = createGateway({ logLevel: "silent" });
// A minimal OpenAI-shaped adapter: the point is the core's cost (validation, orchestration, context,
// HTTP layer, response building), not a provider's mapping.
gateway.registerProvider({
  id: "bench",
  models: [{ provider: "bench", model: "img", kind: "image", sizes: ["1024x1024"], maxN: 1 }],
  async generateImage(ctx, req) {
    const body = await ctx
      .http({ headers: { authorization: `Bearer ${ctx.requireApiKey()}` } })
      .json<{ data: { b64_json: string }[] }>("/images/generations", { json: { model: ctx.model, prompt: req.prompt, size: req.size, response_format: "b64_json" } });
    return { images: body.data.map((d) => ({ data: Buffer.from(d.b64_json, "base64") })), rawResponse: body };
  },
});
const config = { provider: "bench", model: "img", apiKey: "bench-key-0000000000", baseUrl: base, maxRetries: 0 };
const request = { prompt: "a lighthouse at dusk", size: "1024x1024" };

async function rawFetch(): Promise<void> {
  const res = await fetch(`${base}/images/generations`, {
    method: "POST",
    headers: { authorization: "Bearer bench-key-0000000000", "content-type": "application/json" },
    body: JSON.stringify({ model: "img", prompt: request.prompt, size: request.size, response_format: "b64_json" }),
  });
  const body = (await res.json()) as { data: { b64_json: string }[] };
  Buffer.from(body.data[0]!.b64_json, "base64");
}

async function viaGateway(): Promise<void> {
  await gateway.generateImage(config, request);
}

async function measure(fn: () => Promise<void>): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await fn();
  return Number(process.hrtime.bigint() - t0) / 1000 / N;
}

// Interleave rounds so drift (JIT, GC, CPU frequency) hits both sides alike.
const raw: number[] = [];
const gw: number[] = [];
for (let round = 0; round < 3; round++) {
  raw.push(await measure(rawFetch));
  gw.push(await measure(viaGateway));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const r = median(raw);
const g = median(gw);
console.log(`bench/overhead  N=${N} sequential calls, median of 3 rounds`);
console.log(`raw fetch        ${r.toFixed(1)} µs/call`);
console.log(`generateImage    ${g.toFixed(1)} µs/call`);
console.log(`added            ${(g - r).toFixed(1)} µs/call  (ratio ${(g / r).toFixed(3)}×, target ≤ 50 µs)`);
server.close();
