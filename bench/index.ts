/**
 * npm run bench: every benchmark in one run, on the built package (the script runs `tsc` first).
 *
 *   (a) bench/library.ts  library CPU per call: tarash vs raw fetch, raw undici and the Vercel AI SDK
 *   (c) bench/scale.ts    10,000 concurrent video jobs: event-loop lag, RSS vs a hand-written loop
 *   (b) bench/server.ts   gateway throughput: vs upstream direct, a minimal undici proxy and Portkey
 *
 * Each bench interleaves its contenders in rotated order over BENCH_ROUNDS rounds (default 5) and
 * reports min / median / max of per-round ratios with the load average; see docs/benchmarks.md.
 *   (d) bench/time-to-result.ts  delay between a provider finishing a job and the caller having it
 * BENCH_ONLY=library,scale,server,ttr runs a subset.
 */
import { benchLibrary } from "./library.js";
import { loadAverage, machine, ROUNDS } from "./helpers/rounds.js";
import { benchScale } from "./scale.js";
import { runServerBench } from "./server.js";
import { benchTimeToResult } from "./time-to-result.js";

const SUITES: Record<string, () => Promise<unknown>> = {
  library: benchLibrary,
  scale: benchScale,
  server: runServerBench,
  ttr: benchTimeToResult,
};

const only = (process.env.BENCH_ONLY || Object.keys(SUITES).join(",")).split(",").map((s) => s.trim());
for (const name of only) if (!Object.hasOwn(SUITES, name)) throw new Error(`BENCH_ONLY: unknown bench ${JSON.stringify(name)}; allowed: ${Object.keys(SUITES).join(", ")}`);

const started = performance.now();
console.log(`# tarash benchmarks  ${new Date().toISOString()}  ${machine()}  rounds ${ROUNDS}  load ${loadAverage()}`);
for (const name of only) await SUITES[name]!();
console.log(`\nall benches done in ${((performance.now() - started) / 1000).toFixed(0)} s; load average ${loadAverage()}`);
