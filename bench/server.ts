/**
 * bench/server: the gateway service under HTTP load, against the upstream it proxies to and against the
 * Portkey gateway proxying to the same upstream, in one run, all on 127.0.0.1.
 *
 *   npm run bench:server        (= node --import tsx bench/server.ts)
 *
 * Four processes: this one (autocannon, the load generator), the fake OpenAI upstream, the Tarash
 * gateway and the Portkey gateway. Each target has its own event loop, so a target never pays for the
 * load generator or the upstream. Scenarios: a tiny `b64_json` image at BENCH_CONNECTIONS (50) and at 1
 * connection (latency without queueing), then a ~2 MB `b64_json` image at BENCH_LARGE_CONNECTIONS (10)
 * and at 1 connection. Each measured run follows a warm-up run on the same target.
 *
 * Environment: BENCH_DURATION (s, default 10), BENCH_LATENCY_DURATION (s, 1-connection runs, default 5),
 * BENCH_WARMUP (s, default 2), BENCH_CONNECTIONS (50), BENCH_LARGE_CONNECTIONS (10),
 * BENCH_TARGETS (comma list of upstream,tarash,portkey), BENCH_SCENARIOS (comma list of small,small-1,
 * large,large-1), BENCH_LOG_LEVEL (gateway log level, default
 * info), BENCH_FETCH=request (experiment: the gateway's provider
 * calls through undici.request instead of fetch), BENCH_CPU_PROF=1 (write a --cpu-prof of the gateway process into BENCH_CPU_PROF_DIR).
 */
import autocannon from "autocannon";
import { type ChildProcess, fork } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChildMessage, Payload } from "./helpers/protocol.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");

const env = (name: string, fallback: number): number => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
};
const DURATION = env("BENCH_DURATION", 10);
const LATENCY_DURATION = env("BENCH_LATENCY_DURATION", 5);
const WARMUP = env("BENCH_WARMUP", 2);
const CONNECTIONS = env("BENCH_CONNECTIONS", 50);
const LARGE_CONNECTIONS = env("BENCH_LARGE_CONNECTIONS", 10);
const TARGETS = (process.env.BENCH_TARGETS ?? "upstream,tarash,portkey").split(",").map((s) => s.trim());
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? "small,small-1,large,large-1").split(",").map((s) => s.trim());
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
// Output

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a");

function table(title: string, rows: Measured[], labels: Record<string, string>): void {
  const up = rows.find((r) => r.target === "upstream");
  console.log(`\n${title}`);
  console.log("| target | req/s | p50 ms | p99 ms | added p50 ms | CPU µs/req (target) | errors |");
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    const added = up && r.target !== "upstream" ? fmt(r.p50 - up.p50) : "—";
    console.log(`| ${labels[r.target]} | ${int(r.reqPerSec)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${added} | ${int(r.cpuUsPerReq)} | ${r.failed} |`);
  }
  const gw = rows.find((r) => r.target === "tarash");
  const pk = rows.find((r) => r.target === "portkey");
  if (gw && pk) console.log(`tarash/portkey throughput: ${fmt(gw.reqPerSec / pk.reqPerSec, 1)}×`);
  for (const r of rows) if (r.failed > 0) console.log(`!! ${labels[r.target]}: ${r.failed} failed requests (non-200, errors or timeouts)`);
}

// ---------------------------------------------------------------------------------------------------
// Run

async function main(): Promise<void> {
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

  const upstreamBase = `http://127.0.0.1:${upstream.port}/v1`;
  const openaiBody = JSON.stringify({ model: "gpt-image-1", prompt: PROMPT, size: "1024x1024" });
  const targets: Target[] = [];
  const labels: Record<string, string> = {};
  if (TARGETS.includes("upstream")) {
    targets.push({
      name: "upstream",
      label: "(b) upstream direct",
      url: `${upstreamBase}/images/generations`,
      headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
      body: openaiBody,
      pid: upstream.child.pid,
    });
  }
  if (TARGETS.includes("tarash")) {
    const prof = process.env.BENCH_CPU_PROF === "1" ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR ?? join(logDir, "prof")}`] : [];
    const gw = await start("tarash", join(here, "helpers/gateway-process.ts"), [String(upstream.port)], ["--import", "tsx", ...prof], {
      BENCH_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info",
      BENCH_FETCH: process.env.BENCH_FETCH ?? "",
    });
    targets.push({
      name: "tarash",
      label: "(a) tarash gateway",
      url: `http://127.0.0.1:${gw.port}/v1/images/generations`,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "bench", prompt: PROMPT, size: "1024x1024" }),
      pid: gw.child.pid,
    });
  }
  if (TARGETS.includes("portkey")) {
    const bin = join(root, "node_modules/@portkey-ai/gateway/build/start-server.js");
    const pk = await start("portkey", bin, ["--port=0", "--headless"], ["--import", join(here, "helpers/loopback-only.mjs")]);
    targets.push({
      name: "portkey",
      label: "(c) portkey gateway",
      url: `http://127.0.0.1:${pk.port}/v1/images/generations`,
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${KEY}`,
        "x-portkey-provider": "openai",
        "x-portkey-custom-host": upstreamBase,
      },
      body: openaiBody,
      pid: pk.child.pid,
    });
  }
  for (const t of targets) labels[t.name] = t.label;

  const version = (pkg: string) => (JSON.parse(readFileSync(join(root, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
  console.log(`bench/server  ${new Date().toISOString()}  node ${process.version}  ${cpus().length}× ${cpus()[0]?.model ?? "cpu"}`);
  console.log(`autocannon ${version("autocannon")}, @portkey-ai/gateway ${version("@portkey-ai/gateway")}; warm-up ${WARMUP} s, runs ${DURATION} s (1-connection runs ${LATENCY_DURATION} s); logs in ${logDir}`);

  const all: { id: string; title: string; payload: Payload; connections: number; duration: number }[] = [
    { id: "small", title: `tiny b64_json (1×1 PNG), ${CONNECTIONS} connections, ${DURATION} s`, payload: "small", connections: CONNECTIONS, duration: DURATION },
    { id: "small-1", title: `tiny b64_json, 1 connection, ${LATENCY_DURATION} s (latency without queueing)`, payload: "small", connections: 1, duration: LATENCY_DURATION },
    { id: "large", title: `2 MB b64_json, ${LARGE_CONNECTIONS} connections, ${DURATION} s`, payload: "large", connections: LARGE_CONNECTIONS, duration: DURATION },
    { id: "large-1", title: `2 MB b64_json, 1 connection, ${LATENCY_DURATION} s (latency without queueing)`, payload: "large", connections: 1, duration: LATENCY_DURATION },
  ];
  const scenarios = all.filter((s) => SCENARIOS.includes(s.id));
  for (const s of scenarios) {
    const expected = await setPayload(s.payload);
    for (const t of targets) await verify(t, expected);
    const rows: Measured[] = [];
    for (const t of targets) {
      await load(t, s.connections, WARMUP);
      rows.push(await load(t, s.connections, s.duration));
      // The run must not have broken the target.
      await verify(t, expected);
    }
    table(s.title, rows, labels);
  }
}

try {
  await main();
} catch (error) {
  console.error(`bench/server failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  shuttingDown = true;
  for (const { child } of children) if (child.connected) child.disconnect();
  await new Promise((r) => setTimeout(r, 500));
  killAll();
}
