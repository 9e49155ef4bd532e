/**
 * bench/scale (c): 10,000 concurrent `generateVideo` calls on the mock provider without `timeoutMs`,
 * against a hand-written loop doing the same timers and producing the same output.
 *
 *   npm run bench:scale      (BENCH_ROUNDS=5, BENCH_SCALE_JOBS=10000, BENCH_SCALE_BATCH=100)
 *
 * Every round runs each contender once in a fresh process (bench/helpers/scale-child.ts), in rotated
 * order, so RSS and event-loop lag are the contender's own. Reported: event-loop lag p99 of the library
 * (median and spread over rounds), the per-round ratio of peak RSS library ÷ baseline, CPU per job, the
 * synchronous cost of starting one call, and every process warning (a MaxListenersExceededWarning among them).
 */
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { LIB_SOURCE } from "./helpers/library.js";
import { ROUNDS, envNumber, fmt, fmtSpread, loadAverage, machine, runRounds, spread, verdict } from "./helpers/rounds.js";

const here = dirname(fileURLToPath(import.meta.url));
const JOBS = Math.round(envNumber("BENCH_SCALE_JOBS", 10_000));
const BATCH = Math.round(envNumber("BENCH_SCALE_BATCH", 100));
const CONTENDERS = ["baseline", "tarash"] as const;
type Contender = (typeof CONTENDERS)[number];

interface ChildResult {
  contender: Contender;
  jobs: number;
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  peakRssMb: number;
  wallMs: number;
  cpuMs: number;
  startUs: number;
  failed: number;
  firstError?: string;
  warnings: string[];
}

async function runChild(contender: Contender): Promise<ChildResult> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", join(here, "helpers/scale-child.ts"), contender, String(JOBS), String(BATCH)], {
    timeout: 120_000,
    maxBuffer: 1 << 20,
    env: { ...process.env, NODE_ENV: "production" },
  });
  const result = JSON.parse(stdout.trim().split("\n").at(-1)!) as ChildResult;
  if (result.failed > 0) throw new Error(`${contender}: ${result.failed} of ${JOBS} jobs failed (${result.firstError})`);
  return result;
}

export interface ScaleResult {
  lagP99Ms: number[];
  rssRatio: number[];
  warnings: string[];
  load: { before: string; after: string };
}

export async function benchScale(): Promise<ScaleResult> {
  const before = loadAverage();
  console.log(`\n## (c) ${JOBS.toLocaleString("en-US")} concurrent video jobs  (${machine()}; library from ${LIB_SOURCE}/; ${ROUNDS} rounds, a fresh process per contender and round, jobs started ${BATCH} per event-loop turn; load ${before})`);
  const rounds = await runRounds(CONTENDERS, ROUNDS, runChild, (round, r) => {
    const t = r.get("tarash")!;
    const b = r.get("baseline")!;
    console.log(
      `round ${round + 1}: tarash lag p99 ${fmt(t.lagP99Ms, 1)} ms (max ${fmt(t.lagMaxMs, 0)}), RSS ${fmt(t.peakRssMb, 0)} MB, CPU ${fmt((t.cpuMs * 1000) / JOBS, 0)} µs/job | ` +
        `baseline lag p99 ${fmt(b.lagP99Ms, 1)} ms, RSS ${fmt(b.peakRssMb, 0)} MB, CPU ${fmt((b.cpuMs * 1000) / JOBS, 0)} µs/job`,
    );
  });
  const pick = (c: Contender, f: (r: ChildResult) => number) => rounds.map((r) => f(r.get(c)!));
  const rssRatio = rounds.map((r) => r.get("tarash")!.peakRssMb / r.get("baseline")!.peakRssMb);
  const warnings = [...new Set(rounds.flatMap((r) => [...r.values()].flatMap((x) => x.warnings.map((w) => `${x.contender}: ${w}`))))];
  const after = loadAverage();

  console.log("\n| contender | lag p99 ms | lag max ms | peak RSS MB | CPU µs/job | start µs/call | wall s |");
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  for (const c of CONTENDERS) {
    console.log(
      `| ${c} | ${fmtSpread(spread(pick(c, (r) => r.lagP99Ms)), 1)} | ${fmt(spread(pick(c, (r) => r.lagMaxMs)).median, 0)} | ${fmtSpread(spread(pick(c, (r) => r.peakRssMb)), 0)} | ` +
        `${fmt(spread(pick(c, (r) => (r.cpuMs * 1000) / JOBS)).median, 0)} | ${fmt(spread(pick(c, (r) => r.startUs)).median, 1)} | ${fmt(spread(pick(c, (r) => r.wallMs / 1000)).median, 2)} |`,
    );
  }
  const lag = spread(pick("tarash", (r) => r.lagP99Ms));
  const rss = spread(rssRatio);
  console.log(`\ntarash lag p99: median ${fmt(lag.median, 1)} ms (min ${fmt(lag.min, 1)}, max ${fmt(lag.max, 1)})  target ≤ 50 ms: ${verdict(lag.median, "<=", 50)}`);
  console.log(`tarash ÷ baseline peak RSS, per round: median ${fmt(rss.median)} (min ${fmt(rss.min)}, max ${fmt(rss.max)})  target ≤ 1.5: ${verdict(rss.median, "<=", 1.5)}`);
  console.log(`warnings: ${warnings.length ? warnings.join("; ") : "none"}`);
  console.log(`load average before / after: ${before}  →  ${after}`);
  return { lagP99Ms: lag ? pick("tarash", (r) => r.lagP99Ms) : [], rssRatio, warnings, load: { before, after } };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchScale();
}
