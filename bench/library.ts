/**
 * bench/library (a): the library's CPU per image call, with the real OpenAI adapter, against raw HTTP
 * clients and the Vercel AI SDK, all calling the same fake OpenAI over real HTTP on 127.0.0.1.
 *
 *   npm run bench:library       (BENCH_ROUNDS=5, BENCH_LIBRARY_CALLS=800 calls per contender per round)
 *
 * The fake upstream runs in its own process, so the CPU time measured here (process.cpuUsage of this
 * process) is the client side only. Contenders, each sending the same JSON and reading the same 1×1 PNG
 * `b64_json` answer, with no retries:
 *   fetch   – global fetch, redirect "error" (as the library sends a POST; "follow" would make fetch clone
 *             and tee the body, a cost the library does not pay), JSON parsed, the base64 taken;
 *   undici  – undici.request() with the same body, JSON parsed;
 *   tarash  – createGateway().generateImage on openai/gpt-image-2 (the built package in dist/), on its
 *             default transport (undici's dispatcher);
 *   tarash-fetch – the same with a `fetch` injected (createGateway({ fetch })), i.e. the fetch transport
 *             that runtimes without undici use: the same run shows what the transport is worth;
 *   ai-sdk  – generateImage from `ai` with `@ai-sdk/openai`'s `openai.image("gpt-image-2")` pointed at the fake via baseURL.
 * The library's own cost is its CPU per call above raw fetch; the target compares it with the AI SDK's.
 * Since tarash no longer runs on fetch, "above raw fetch" can go negative; the report also gives the
 * whole CPU per call and each library above the raw client it runs on (tarash above undici, the AI SDK
 * above fetch).
 */
import { createOpenAI } from "@ai-sdk/openai";
import { generateImage as aiGenerateImage } from "ai";
import { type ChildProcess, fork } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { LIB_SOURCE, loadLibrary } from "./helpers/library.js";
import type { ChildMessage } from "./helpers/protocol.js";
import { ROUNDS, envNumber, fmt, fmtSpread, loadAverage, machine, runRounds, spread, verdict } from "./helpers/rounds.js";

const here = dirname(fileURLToPath(import.meta.url));
const CALLS = Math.round(envNumber("BENCH_LIBRARY_CALLS", 800));
const WARMUP = Math.max(50, Math.round(CALLS / 5));
const KEY = "sk-bench-dummy-key-0000000000";
const PROMPT = "a lighthouse at dusk";
const CONTENDERS = ["fetch", "undici", "tarash", "tarash-fetch", "ai-sdk"] as const;
type Contender = (typeof CONTENDERS)[number];

async function startUpstream(): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(join(here, "helpers/fake-openai.ts"), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the fake upstream did not start within 30 s")), 30_000);
    child.on("message", (m: ChildMessage) => {
      if (m.type === "ready") {
        clearTimeout(timer);
        resolve(m.port);
      }
    });
    child.once("exit", (code) => reject(new Error(`the fake upstream exited (code ${code})`)));
  });
  return { child, port };
}

export interface LibraryResult {
  cpuUs: Record<Contender, number[]>;
  /** Per round: (tarash − fetch) ÷ (ai-sdk − fetch), the library's own CPU against the AI SDK's. */
  overheadRatio: number[];
  /** Per round: tarash ÷ ai-sdk, whole CPU per call. */
  totalRatio: number[];
  /** Per round: (tarash − undici) ÷ (ai-sdk − fetch), each library above the raw client it runs on. */
  ownOverheadRatio: number[];
  /** Per round: tarash ÷ tarash-fetch, what the undici transport saves against the fetch transport. */
  transportRatio: number[];
  load: { before: string; after: string };
}

export async function benchLibrary(): Promise<LibraryResult> {
  const upstream = await startUpstream();
  try {
    const base = `http://127.0.0.1:${upstream.port}/v1`;
    const url = `${base}/images/generations`;
    const body = JSON.stringify({ model: "gpt-image-2", prompt: PROMPT, size: "1024x1024" });
    const headers = { authorization: `Bearer ${KEY}`, "content-type": "application/json" };
    const { createGateway } = await loadLibrary();
    const gateway = createGateway();
    const fetchGateway = createGateway({ fetch: (input, init) => globalThis.fetch(input, init) });
    const config = { provider: "openai", model: "gpt-image-2", apiKey: KEY, baseUrl: base, maxRetries: 0 };
    const aiModel = createOpenAI({ apiKey: KEY, baseURL: base }).image("gpt-image-2");

    const calls: Record<Contender, () => Promise<number>> = {
      async fetch() {
        const res = await fetch(url, { method: "POST", headers, body, redirect: "error" });
        if (res.status !== 200) throw new Error(`fetch: status ${res.status}`);
        const json = (await res.json()) as { data: { b64_json: string }[] };
        return json.data[0]!.b64_json.length;
      },
      async undici() {
        const res = await request(url, { method: "POST", headers, body });
        if (res.statusCode !== 200) throw new Error(`undici: status ${res.statusCode}`);
        const json = (await res.body.json()) as { data: { b64_json: string }[] };
        return json.data[0]!.b64_json.length;
      },
      async tarash() {
        const res = await gateway.generateImage(config, { prompt: PROMPT, size: "1024x1024" });
        return res.images[0]!.url.length;
      },
      async "tarash-fetch"() {
        const res = await fetchGateway.generateImage(config, { prompt: PROMPT, size: "1024x1024" });
        return res.images[0]!.url.length;
      },
      async "ai-sdk"() {
        const res = await aiGenerateImage({ model: aiModel, prompt: PROMPT, size: "1024x1024", maxRetries: 0 });
        return res.image.base64.length;
      },
    };

    const measure = async (c: Contender): Promise<number> => {
      const call = calls[c];
      for (let i = 0; i < WARMUP; i++) await call();
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < CALLS; i++) await call();
      const cpu = process.cpuUsage(cpu0);
      return (cpu.user + cpu.system) / CALLS;
    };

    const before = loadAverage();
    console.log(`\n## (a) library CPU per call  (${machine()}; library from ${LIB_SOURCE}/; ${ROUNDS} rounds × ${CALLS} calls per contender, warm-up ${WARMUP}; load ${before})`);
    const rounds = await runRounds(CONTENDERS, ROUNDS, measure, (round, r) => {
      console.log(`round ${round + 1}: ${[...r].map(([c, us]) => `${c} ${fmt(us, 1)} µs`).join(", ")}`);
    });
    const cpuUs = Object.fromEntries(CONTENDERS.map((c) => [c, rounds.map((r) => r.get(c)!)])) as Record<Contender, number[]>;
    const overheadRatio = rounds.map((r) => (r.get("tarash")! - r.get("fetch")!) / (r.get("ai-sdk")! - r.get("fetch")!));
    const totalRatio = rounds.map((r) => r.get("tarash")! / r.get("ai-sdk")!);
    const ownOverheadRatio = rounds.map((r) => (r.get("tarash")! - r.get("undici")!) / (r.get("ai-sdk")! - r.get("fetch")!));
    const transportRatio = rounds.map((r) => r.get("tarash")! / r.get("tarash-fetch")!);
    const after = loadAverage();

    console.log("\n| contender | CPU µs/call, median (min–max) | above raw fetch, median µs |");
    console.log("|---|---:|---:|");
    for (const c of CONTENDERS) {
      const above = spread(rounds.map((r) => r.get(c)! - r.get("fetch")!));
      console.log(`| ${c} | ${fmtSpread(spread(cpuUs[c]), 1)} | ${c === "fetch" ? "—" : fmt(above.median, 1)} |`);
    }
    const o = spread(overheadRatio);
    console.log(`\ntarash ÷ ai-sdk, CPU above raw fetch, per round: median ${fmt(o.median)} (min ${fmt(o.min)}, max ${fmt(o.max)})  target ≤ 1.0: ${verdict(o.median, "<=", 1)}`);
    console.log(`tarash ÷ ai-sdk, whole CPU per call, per round: ${fmtSpread(spread(totalRatio))}`);
    console.log(`(tarash − undici) ÷ (ai-sdk − fetch), each above the raw client it runs on, per round: ${fmtSpread(spread(ownOverheadRatio))}`);
    console.log(`tarash ÷ tarash-fetch (undici transport vs fetch transport), per round: ${fmtSpread(spread(transportRatio))}`);
    console.log(`load average before / after: ${before}  →  ${after}`);
    return { cpuUs, overheadRatio, totalRatio, ownOverheadRatio, transportRatio, load: { before, after } };
  } finally {
    upstream.child.kill("SIGKILL");
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchLibrary();
}
