/**
 * (d) Time to result: how long after a provider finishes a job our caller has the result.
 *
 * Fakes of fal and Replicate (the test suite's strict fakes, on 127.0.0.1) finish each request at a random
 * moment; the delay is the caller's time of receipt minus the fake's finish time. Contenders, interleaved and
 * rotated in every round:
 *   - fal, status stream       (the default: fal's server-sent status events)
 *   - fal, polling             (baseline: the stream not served, `pollIntervalMs` 1000 like the seed)
 *   - replicate, Prefer: wait  (the default for images: the create is held until the prediction finishes)
 *   - replicate, polling       (baseline: `wait: false`, `pollIntervalMs` 1000)
 *   - fal, adaptive polling    (the stream not served, no `pollIntervalMs`: checks follow the model's
 *                               expected duration, learnt from this gateway's earlier jobs; core/poll-schedule.ts)
 *   - bfl, adaptive polling    (BFL has no stream and no hold: every request is polled; the default schedule)
 *   - bfl, polling (baseline)  (`pollIntervalMs` 1000, as a caller pinning the seed's pace)
 * BFL stands for every queue-and-poll provider (Alibaba, Luma, Stability, Runway, Google Veo, OpenAI and
 * Azure Sora, xAI video): they all poll through the same core loop (AdapterContext.poll / the core's video
 * job runner) with the same schedule, so their delay after completion is the same function of their
 * job durations; only fal's, Replicate's and BFL's fakes can finish at a given time.
 * Each round runs BENCH_TTR_JOBS concurrent requests per contender, finish times uniform in 200–2,000 ms.
 * Reported: per-round median and p95 delay, then min/median/max of those over BENCH_ROUNDS rounds, and
 * each default's per-round ratio to its polling baseline.
 *
 *   npm run bench:ttr            # BENCH_ROUNDS=5 BENCH_TTR_JOBS=20
 */
import { loadavg } from "node:os";
import { createGateway } from "../src/index.js";
import { FAL_KEY, type FalFake, startFalFake } from "../test/fakes/fal.js";
import { FAKE_TOKEN, type ReplicateFake, startReplicateFake } from "../test/fakes/replicate.js";
import { type BflFake, startBflFake } from "../test/fakes/bfl.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
const JOBS = Number(process.env.BENCH_TTR_JOBS || 20);
const finishIn = () => 200 + Math.random() * 1_800;

interface Contender {
  name: string;
  /** Runs one request; resolves with the fake's finish time for it (epoch ms). */
  run(): Promise<number>;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const fal: FalFake = await startFalFake();
  const replicate: ReplicateFake = await startReplicateFake();
  const bfl: BflFake = await startBflFake();
  fal.completeAfterMs = finishIn;
  replicate.completeAfterMs = finishIn;
  bfl.completeAfterMs = finishIn;
  const gw = createGateway({
    providers: {
      fal: { apiKey: FAL_KEY, baseUrl: fal.url },
      replicate: { apiKey: FAKE_TOKEN, baseUrl: replicate.baseUrl },
      bfl: { apiKey: bfl.key, baseUrl: bfl.url },
    },
    network: { allowPrivateNetwork: true },
    logLevel: "silent",
  });
  const falRun = (stream: boolean, pollIntervalMs?: number) => async () => {
    fal.stream = stream;
    const res = await gw.generateImage({ model: "fal/fal-ai/flux/dev", ...(pollIntervalMs ? { pollIntervalMs } : {}), maxRetries: 0 }, { prompt: "a lighthouse" });
    return fal.jobs.get(res.providerRequestId!)!.finishAt!;
  };
  const bflRun = (pollIntervalMs?: number) => async () => {
    const res = await gw.generateImage({ provider: "bfl", model: "flux-dev", ...(pollIntervalMs ? { pollIntervalMs } : {}), maxRetries: 0 }, { prompt: "a lighthouse" });
    return bfl.tasks.get(res.providerRequestId!)!.finishAt!;
  };
  const replicateRun = (wait: boolean) => async () => {
    const res = await gw.generateImage(
      { provider: "replicate", model: "black-forest-labs/flux-schnell", pollIntervalMs: 1_000, maxRetries: 0, ...(wait ? {} : { providerConfig: { wait: false } }) },
      { prompt: "a lighthouse" },
    );
    return replicate.predictions.get(res.providerRequestId!)!.finishAt!;
  };
  const contenders: Contender[] = [
    { name: "fal, status stream", run: falRun(true, 1_000) },
    { name: "fal, polling (baseline)", run: falRun(false, 1_000) },
    { name: "fal, adaptive polling", run: falRun(false) },
    { name: "bfl, adaptive polling", run: bflRun() },
    { name: "bfl, polling (baseline)", run: bflRun(1_000) },
    { name: "replicate, Prefer: wait", run: replicateRun(true) },
    { name: "replicate, polling (baseline)", run: replicateRun(false) },
  ];
  const perRound = new Map<string, { median: number; p95: number }[]>(contenders.map((c) => [c.name, []]));
  console.log(`time to result: ${ROUNDS} rounds × ${JOBS} concurrent requests per contender; load average at start ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  // Warm-up: adapters loaded, connections open, and each adaptive schedule has seen a few jobs of its
  // model (what a gateway in service has: the schedule starts from the fixed one until it has).
  await contenders[0]!.run();
  for (const c of contenders.filter((x) => x.name.includes("adaptive"))) await Promise.all(Array.from({ length: 4 }, () => c.run()));
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order each round so no contender always runs first (or right after another).
    const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]!);
    for (const c of order) {
      // The fal fake's stream switch is shared: one contender at a time.
      const delays = await Promise.all(
        Array.from({ length: JOBS }, async () => {
          const finishedAt = await c.run();
          return Date.now() - finishedAt;
        }),
      );
      delays.sort((a, b) => a - b);
      perRound.get(c.name)!.push({ median: percentile(delays, 50), p95: percentile(delays, 95) });
    }
  }
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `${s[0]!.toFixed(0)} / ${percentile(s, 50).toFixed(0)} / ${s.at(-1)!.toFixed(0)}`;
  };
  console.log("\n| contender | median delay ms (min / median / max of rounds) | p95 delay ms (min / median / max) |");
  console.log("|---|---:|---:|");
  for (const [name, rounds] of perRound) console.log(`| ${name} | ${stats(rounds.map((r) => r.median))} | ${stats(rounds.map((r) => r.p95))} |`);
  console.log("\n| default vs its polling baseline | ratio of per-round medians (min / median / max) |");
  console.log("|---|---:|");
  for (const [ours, base] of [
    ["fal, status stream", "fal, polling (baseline)"],
    ["replicate, Prefer: wait", "replicate, polling (baseline)"],
    ["fal, adaptive polling", "fal, polling (baseline)"],
    ["bfl, adaptive polling", "bfl, polling (baseline)"],
  ] as const) {
    const a = perRound.get(ours)!;
    const b = perRound.get(base)!;
    const ratios = a.map((r, i) => r.median / Math.max(1, b[i]!.median)).sort((x, y) => x - y);
    console.log(`| ${ours} | ${ratios[0]!.toFixed(3)} / ${percentile(ratios, 50).toFixed(3)} / ${ratios.at(-1)!.toFixed(3)} |`);
  }
  console.log(`\nload average at end ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  await Promise.all([fal.close(), replicate.close(), bfl.close()]);
}

export async function benchTimeToResult(): Promise<void> {
  await main();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
