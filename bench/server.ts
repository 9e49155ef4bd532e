/**
 * bench/server (b): the gateway service under HTTP load, against the upstream it proxies to, a minimal
 * undici proxy (the practical limit for a Node gateway) and the Portkey gateway, all proxying to the same
 * fake OpenAI upstream on 127.0.0.1, in one run.
 *
 *   npm run bench:server        (= node --import tsx bench/server.ts)
 *
 * Five processes: this one (autocannon, the load generator), the fake upstream, the Tarash gateway (the
 * built package, default log level info), the undici proxy (bench/helpers/undici-proxy.ts) and Portkey.
 * Each target has its own event loop. Scenarios: a tiny `b64_json` image and a ~2 MB one, each at
 * BENCH_CONNECTIONS (50). Every scenario runs BENCH_ROUNDS rounds; a round loads every target once, in an
 * order rotated each round, for BENCH_DURATION seconds after BENCH_WARMUP seconds of warm-up. Ratios
 * (tarash ÷ proxy, tarash ÷ portkey) are taken within a round; the report gives median, min and max.
 * Before and after each scenario every target must return the upstream's base64 byte for byte.
 *
 * Environment: BENCH_ROUNDS (5), BENCH_DURATION (s, 2), BENCH_LARGE_DURATION (s, 2 MB scenarios, 4),
 * BENCH_WARMUP (s, 1), BENCH_CONNECTIONS (50),
 * BENCH_TARGETS (comma list of upstream,tarash,tarash-fetch,proxy,portkey; tarash-fetch is the same
 * gateway with a fetch injected, i.e. provider requests on the fetch transport instead of undici's), BENCH_SCENARIOS (comma list of small,
 * large, small-1, large-1; the last two at one connection), BENCH_LOG_LEVEL (gateway log level, default
 * info), BENCH_CPU_PROF=1 (a --cpu-prof of the gateway process into BENCH_CPU_PROF_DIR).
 */
import autocannon from "autocannon";
import { type ChildProcess, fork } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LIB_SOURCE } from "./helpers/library.js";
import type { ChildMessage, Payload } from "./helpers/protocol.js";
import { ROUNDS, envNumber, fmt, fmtSpread, loadAverage, machine, rotation, spread, verdict } from "./helpers/rounds.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");

const DURATION = envNumber("BENCH_DURATION", 2);
// A 2 MB answer at 50 connections takes most of a second even from the upstream: a window of a few
// seconds counts only a handful of completions per connection, so large payloads get a longer one.
const LARGE_DURATION = envNumber("BENCH_LARGE_DURATION", 4);
const WARMUP = envNumber("BENCH_WARMUP", 1);
const CONNECTIONS = Math.round(envNumber("BENCH_CONNECTIONS", 50));
const TARGETS = (process.env.BENCH_TARGETS || "upstream,tarash,tarash-fetch,proxy,portkey").split(",").map((s) => s.trim());
const SCENARIOS = (process.env.BENCH_SCENARIOS || "small,large").split(",").map((s) => s.trim());
const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s.

// ---------------------------------------------------------------------------------------------------
// Child processes: every one is killed on the way out, whatever the way out is.

const logDir = mkdtempSync(join(tmpdir(), "tarash-bench-server-"));
const children: { name: string; child: ChildProcess; log: string }[] = [];
let shuttingDown = false;

function killAll(): void {
  for (const { child } of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}
process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

function tail(file: string): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-20).join("\n");
  } catch {
    return "(no log)";
  }
}

async function start(name: string, module: string, args: string[], execArgv: string[], extraEnv: Record<string, string> = {}): Promise<{ child: ChildProcess; port: number }> {
  const log = join(logDir, `${name}.log`);
  const fd = openSync(log, "w");
  const child = fork(module, args, {
    execArgv,
    cwd: root,
    env: { ...process.env, NODE_ENV: "production", ...extraEnv },
    stdio: ["ignore", fd, fd, "ipc"],
  });
  closeSync(fd);
  children.push({ name, child, log });
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 30 s; log ${log}:\n${tail(log)}`)), 30_000);
    child.on("message", (m: ChildMessage) => {
      if (m.type === "ready") {
        clearTimeout(timer);
        resolvePort(m.port);
      } else if (m.type === "error") {
        clearTimeout(timer);
        reject(new Error(`${name} failed to start: ${m.message}`));
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited during start-up (code ${code}, signal ${signal}); log ${log}:\n${tail(log)}`));
    });
  });
  child.on("exit", (code, signal) => {
    if (!shuttingDown) console.error(`!! ${name} exited (code ${code}, signal ${signal}); log ${log}:\n${tail(log)}`);
  });
  return { child, port };
}
/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime (fields 14 and 15)
}

// ---------------------------------------------------------------------------------------------------
// Targets

interface Target {
  name: string;
  label: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  pid: number | undefined;
}

const PROMPT = "a lighthouse at dusk";
const KEY = "sk-bench-dummy-key-0000000000";

async function verify(target: Target, expected: string): Promise<void> {
  const res = await fetch(target.url, { method: "POST", headers: target.headers, body: target.body });
  const text = await res.text();
  let b64: unknown;
  try {
    b64 = (JSON.parse(text) as { data?: { b64_json?: unknown }[] }).data?.[0]?.b64_json;
  } catch {
    b64 = undefined;
  }
  if (res.status !== 200 || typeof b64 !== "string" || b64.length === 0) {
    throw new Error(`${target.label} is broken: status ${res.status}, body ${text.slice(0, 300)}`);
  }
  if (b64 !== expected) throw new Error(`${target.label} returned a different b64_json (${b64.length} chars, expected ${expected.length})`);
}

interface Measured {
  target: string;
  reqPerSec: number;
  p50: number;
  p99: number;
  ok: number;
  failed: number;
  /** CPU time of the target process per request, in µs. */
  cpuUsPerReq: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function load(target: Target, connections: number, duration: number): Promise<Measured> {
  const times: number[] = [];
  let failed = 0;
  const cpu0 = cpuSeconds(target.pid);
  const instance = autocannon({ url: target.url, method: "POST", headers: target.headers, body: target.body, connections, duration, timeout: 30 });
  // autocannon's own histogram has 1 ms resolution; the added latency we look for is below that.
  instance.on("response", (_client, status, _bytes, ms) => {
    if (status === 200) times.push(ms);
    else failed++;
  });
  const result = await instance;
  const cpu = cpuSeconds(target.pid) - cpu0;
  const sorted = Float64Array.from(times).sort();
  return {
    target: target.name,
    reqPerSec: times.length / result.duration,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    ok: times.length,
    failed: failed + result.errors + result.timeouts,
    cpuUsPerReq: (cpu * 1e6) / Math.max(1, times.length),
  };
}

// ---------------------------------------------------------------------------------------------------
// Run

interface Scenario {
  id: string;
  title: string;
  payload: Payload;
  connections: number;
  duration: number;
}

export interface ScenarioResult {
  id: string;
  /** Per round, by target name. */
  rounds: Map<string, Measured>[];
  /** Per round: tarash ÷ proxy and tarash ÷ portkey req/s. */
  vsProxy: number[];
  vsPortkey: number[];
  /** Per round: tarash ÷ tarash-fetch req/s, the undici transport against the fetch transport. */
  vsFetchTransport: number[];
}

function report(s: Scenario, rounds: Map<string, Measured>[], labels: Record<string, string>): ScenarioResult {
  const names = [...rounds[0]!.keys()].sort((a, b) => TARGETS.indexOf(a) - TARGETS.indexOf(b));
  const col = (t: string, f: (m: Measured) => number) => spread(rounds.map((r) => f(r.get(t)!)));
  console.log(`\n### ${s.title}`);
  console.log("| target | req/s, median (min–max) | p50 ms | p99 ms | CPU µs/req (target process) | failed |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const t of names) {
    const failed = rounds.reduce((n, r) => n + r.get(t)!.failed, 0);
    console.log(
      `| ${labels[t]} | ${fmtSpread(col(t, (m) => m.reqPerSec), 0)} | ${fmt(col(t, (m) => m.p50).median)} | ${fmt(col(t, (m) => m.p99).median)} | ${fmt(col(t, (m) => m.cpuUsPerReq).median, 0)} | ${failed} |`,
    );
  }
  const ratio = (a: string, b: string) => (rounds[0]!.has(a) && rounds[0]!.has(b) ? rounds.map((r) => r.get(a)!.reqPerSec / r.get(b)!.reqPerSec) : []);
  const vsProxy = ratio("tarash", "proxy");
  const vsPortkey = ratio("tarash", "portkey");
  const vsFetchTransport = ratio("tarash", "tarash-fetch");
  const line = (label: string, values: number[], target: number) => {
    if (!values.length) return;
    const sp = spread(values);
    console.log(`${label}, per round: median ${fmt(sp.median)} (min ${fmt(sp.min)}, max ${fmt(sp.max)})  target ≥ ${target}: ${verdict(sp.median, ">=", target)}`);
  };
  const portkeyTarget = s.payload === "small" && s.connections > 1 ? 4 : NaN;
  line("tarash ÷ undici proxy req/s", vsProxy, 0.5);
  if (Number.isFinite(portkeyTarget)) line("tarash ÷ portkey req/s", vsPortkey, portkeyTarget);
  else if (vsPortkey.length) console.log(`tarash ÷ portkey req/s, per round: ${fmtSpread(spread(vsPortkey))}`);
  if (vsFetchTransport.length) console.log(`tarash ÷ tarash-fetch req/s (undici vs fetch transport), per round: ${fmtSpread(spread(vsFetchTransport))}`);
  return { id: s.id, rounds, vsProxy, vsPortkey, vsFetchTransport };
}

export async function benchServer(): Promise<ScenarioResult[]> {
  const upstream = await start("upstream", join(here, "helpers/fake-openai.ts"), [], ["--import", "tsx"]);
  const setPayload = (payload: Payload) =>
    new Promise<string>((done) => {
      const onMessage = (m: ChildMessage) => {
        if (m.type === "payload-set" && m.payload === payload) {
          upstream.child.off("message", onMessage);
          done(m.b64);
        }
      };
      upstream.child.on("message", onMessage);
      upstream.child.send({ type: "payload", payload });
    });

  const upstreamOrigin = `http://127.0.0.1:${upstream.port}`;
  const upstreamBase = `${upstreamOrigin}/v1`;
  const openaiBody = JSON.stringify({ model: "gpt-image-2", prompt: PROMPT, size: "1024x1024" });
  const openaiHeaders = { "content-type": "application/json", authorization: `Bearer ${KEY}` };
  const targets: Target[] = [];
  if (TARGETS.includes("upstream")) {
    targets.push({ name: "upstream", label: "upstream direct", url: `${upstreamBase}/images/generations`, headers: openaiHeaders, body: openaiBody, pid: upstream.child.pid });
  }
  for (const name of ["tarash", "tarash-fetch"] as const) {
    if (!TARGETS.includes(name)) continue;
    const prof = process.env.BENCH_CPU_PROF === "1" ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR ?? join(logDir, "prof")}`] : [];
    const gw = await start(name, join(here, "helpers/gateway-process.ts"), [String(upstream.port)], ["--import", "tsx", ...prof], {
      BENCH_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info",
      BENCH_GATEWAY_TRANSPORT: name === "tarash-fetch" ? "fetch" : "undici",
    });
    targets.push({
      name,
      label: name === "tarash" ? "tarash gateway" : "tarash gateway, fetch transport",
      url: `http://127.0.0.1:${gw.port}/v1/images/generations`,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "bench", prompt: PROMPT, size: "1024x1024" }),
      pid: gw.child.pid,
    });
  }
  if (TARGETS.includes("proxy")) {
    const px = await start("proxy", join(here, "helpers/undici-proxy.ts"), [upstreamOrigin], ["--import", "tsx"]);
    targets.push({ name: "proxy", label: "minimal undici proxy", url: `http://127.0.0.1:${px.port}/v1/images/generations`, headers: openaiHeaders, body: openaiBody, pid: px.child.pid });
  }
  if (TARGETS.includes("portkey")) {
    const bin = join(root, "node_modules/@portkey-ai/gateway/build/start-server.js");
    const pk = await start("portkey", bin, ["--port=0", "--headless"], ["--import", join(here, "helpers/loopback-only.mjs")]);
    targets.push({
      name: "portkey",
      label: "portkey gateway",
      url: `http://127.0.0.1:${pk.port}/v1/images/generations`,
      headers: { ...openaiHeaders, "x-portkey-provider": "openai", "x-portkey-custom-host": upstreamBase },
      body: openaiBody,
      pid: pk.child.pid,
    });
  }
  const labels = Object.fromEntries(targets.map((t) => [t.name, t.label]));

  const version = (pkg: string) => (JSON.parse(readFileSync(join(root, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
  const before = loadAverage();
  console.log(
    `\n## (b) gateway throughput  (${machine()}; tarash from ${LIB_SOURCE}/, log level ${process.env.BENCH_LOG_LEVEL ?? "info"}; autocannon ${version("autocannon")}, @portkey-ai/gateway ${version("@portkey-ai/gateway")}, undici ${version("undici")}; ` +
      `${ROUNDS} rounds, each target ${DURATION} s (2 MB: ${LARGE_DURATION} s) after ${WARMUP} s warm-up; logs in ${logDir}; load ${before})`,
  );

  const all: Scenario[] = [
    { id: "small", title: `tiny b64_json (1×1 PNG), ${CONNECTIONS} connections, ${DURATION} s per run`, payload: "small", connections: CONNECTIONS, duration: DURATION },
    { id: "large", title: `~2 MB b64_json, ${CONNECTIONS} connections, ${LARGE_DURATION} s per run`, payload: "large", connections: CONNECTIONS, duration: LARGE_DURATION },
    { id: "small-1", title: `tiny b64_json, 1 connection (latency without queueing), ${DURATION} s per run`, payload: "small", connections: 1, duration: DURATION },
    { id: "large-1", title: `~2 MB b64_json, 1 connection, ${LARGE_DURATION} s per run`, payload: "large", connections: 1, duration: LARGE_DURATION },
  ];
  const results: ScenarioResult[] = [];
  for (const s of all.filter((x) => SCENARIOS.includes(x.id))) {
    const expected = await setPayload(s.payload);
    for (const t of targets) await verify(t, expected);
    const rounds: Map<string, Measured>[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const r = new Map<string, Measured>();
      for (const t of rotation(targets, round)) {
        await load(t, s.connections, WARMUP);
        r.set(t.name, await load(t, s.connections, s.duration));
      }
      console.log(`${s.id} round ${round + 1}: ${[...r].map(([n, m]) => `${n} ${fmt(m.reqPerSec, 0)} req/s`).join(", ")}`);
      rounds.push(r);
    }
    // The runs must not have broken any target.
    for (const t of targets) await verify(t, expected);
    results.push(report(s, rounds, labels));
  }
  console.log(`load average before / after: ${before}  →  ${loadAverage()}`);
  return results;
}

async function shutdown(): Promise<void> {
  shuttingDown = true;
  for (const { child } of children) if (child.connected) child.disconnect();
  // A child writing its --cpu-prof on the way out needs seconds on a loaded machine, not 500 ms.
  const grace = process.env.BENCH_CPU_PROF === "1" ? 20_000 : 500;
  await Promise.all(
    children.map(({ child }) =>
      child.exitCode !== null || child.signalCode !== null
        ? undefined
        : new Promise((r) => {
            const timer = setTimeout(r, grace);
            child.once("exit", () => {
              clearTimeout(timer);
              r(undefined);
            });
          }),
    ),
  );
  killAll();
}

export async function runServerBench(): Promise<ScenarioResult[]> {
  try {
    return await benchServer();
  } finally {
    await shutdown();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    await runServerBench();
  } catch (error) {
    console.error(`bench/server failed: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
