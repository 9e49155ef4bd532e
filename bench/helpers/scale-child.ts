/**
 * One round of bench/scale for one contender, in a fresh process so RSS and the event loop are its own.
 * Arguments: <contender: baseline | tarash> <jobs> <batch>. Prints one JSON line: event-loop lag p50/p99/max
 * (ms), peak RSS (MB, sampled every 20 ms), wall and CPU time, the synchronous cost of starting one job,
 * warnings emitted and jobs that did not complete.
 *
 * Jobs start `batch` per event-loop turn, as requests reach a server, rather than 10,000 in one
 * synchronous loop: that loop would measure only the caller's own blocking (jobs × the synchronous
 * start-up of one call), which is reported separately as `startUs`.
 *
 * Both contenders load the library first, so the RSS compared is what the jobs cost, not module code.
 * - tarash: `generateVideo` on mock/mock-video (latency 1.5 s, no timeoutMs, no signal), all started at once.
 * - baseline: what a hand-written loop does for the same job: the same poll timers (the mock polls every
 *   latency/8 ms until the latency has passed) and the same output (the fixture MP4 as a data: URL).
 */
import { readFileSync } from "node:fs";
import { loadLibrary } from "./library.js";

const [contender, jobsArg, batchArg] = process.argv.slice(2);
const JOBS = Number(jobsArg);
const BATCH = Number(batchArg ?? 100);
if (!Number.isInteger(BATCH) || BATCH <= 0) throw new Error(`batch must be a positive integer, got ${batchArg}`);
if (contender !== "baseline" && contender !== "tarash") throw new Error(`contender must be baseline or tarash, got ${contender}`);
if (!Number.isInteger(JOBS) || JOBS <= 0) throw new Error(`jobs must be a positive integer, got ${jobsArg}`);

const LATENCY_MS = 1_500;
const INTERVAL_MS = Math.round(LATENCY_MS / 8); // the mock adapter's own poll pace for this latency
const fixture = readFileSync(new URL("../../assets/mock-video.mp4", import.meta.url));
const warnings: string[] = [];
process.on("warning", (w) => warnings.push(`${w.name}: ${w.message}`));

const { createGateway } = await loadLibrary();
const gateway = createGateway({ logLevel: "silent" });
const config = { provider: "mock", model: "mock-video", mock: { enabled: true, latencyMs: LATENCY_MS } };

async function tarashJob(i: number): Promise<boolean> {
  const res = await gateway.generateVideo(config, { prompt: `job ${i}`, durationSeconds: 2 });
  return res.video.url.startsWith("data:video/mp4;base64,");
}

async function baselineJob(): Promise<boolean> {
  const started = Date.now();
  while (Date.now() - started < LATENCY_MS) await new Promise((r) => setTimeout(r, INTERVAL_MS));
  const url = `data:video/mp4;base64,${fixture.toString("base64")}`;
  return url.startsWith("data:video/mp4;base64,");
}

// Settle start-up (module compilation, the fixture read) before measuring.
await gateway.generateVideo({ ...config, mock: { enabled: true, latencyMs: 0 } }, { prompt: "warm-up", durationSeconds: 2 });
global.gc?.();

let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 20);
// Event-loop lag: how late a 10 ms timer fires. Sampled by hand rather than with monitorEventLoopDelay,
// whose histogram stays empty when the loop is blocked from the start.
const LAG_TICK_MS = 10;
const lags: number[] = [];
let expected = performance.now() + LAG_TICK_MS;
const lagTimer = setInterval(() => {
  const now = performance.now();
  lags.push(Math.max(0, now - expected));
  expected = now + LAG_TICK_MS;
}, LAG_TICK_MS);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const jobs: Promise<boolean>[] = [];
let startMs = 0;
for (let i = 0; i < JOBS; ) {
  const s0 = performance.now();
  for (const end = Math.min(JOBS, i + BATCH); i < end; i++) jobs.push(contender === "tarash" ? tarashJob(i) : baselineJob());
  startMs += performance.now() - s0;
  await new Promise((r) => setImmediate(r));
}
const results = await Promise.allSettled(jobs);
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
clearInterval(lagTimer);
clearInterval(sampler);
lags.sort((a, b) => a - b);
const pct = (p: number) => lags[Math.min(lags.length - 1, Math.floor((p / 100) * lags.length))] ?? NaN;
peakRss = Math.max(peakRss, process.memoryUsage.rss());
const failed = results.filter((r) => r.status !== "fulfilled" || !r.value).length;
const firstError = results.find((r): r is PromiseRejectedResult => r.status === "rejected")?.reason as Error | undefined;

process.stdout.write(
  `${JSON.stringify({
    contender,
    jobs: JOBS,
    lagP50Ms: pct(50),
    lagP99Ms: pct(99),
    lagMaxMs: lags.at(-1) ?? NaN,
    lagSamples: lags.length,
    peakRssMb: peakRss / 2 ** 20,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    startUs: (startMs * 1000) / JOBS,
    failed,
    firstError: firstError ? `${firstError.name}: ${firstError.message}` : undefined,
    warnings,
  })}\n`,
);
