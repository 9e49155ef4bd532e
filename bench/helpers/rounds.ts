/**
 * What every bench shares: interleaved, rotated rounds and statistics over per-round ratios.
 *
 * Each round measures every contender once, in an order rotated by one each round, so drift (JIT, GC,
 * CPU frequency, a neighbour's load) hits all contenders alike and no one always runs first. Ratios are
 * taken within a round (contender ÷ reference, both measured minutes apart at most) and the report gives
 * min / median / max over rounds, never a ratio of averages from different moments.
 */
import { cpus, loadavg } from "node:os";

export const ROUNDS = envNumber("BENCH_ROUNDS", 5);
if (ROUNDS < 1 || !Number.isInteger(ROUNDS)) throw new Error("BENCH_ROUNDS must be a positive integer");

export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return v;
}

/** Contender order of round `round` (0-based): the list rotated left by `round`. */
export function rotation<T>(items: readonly T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/** One value per contender per round. */
export type Rounds<K extends string> = Record<K, number[]>;

export async function runRounds<K extends string, V>(
  contenders: readonly K[],
  rounds: number,
  measure: (contender: K, round: number) => Promise<V>,
  onRound?: (round: number, results: Map<K, V>) => void,
): Promise<Map<K, V>[]> {
  const all: Map<K, V>[] = [];
  for (let round = 0; round < rounds; round++) {
    const results = new Map<K, V>();
    for (const c of rotation(contenders, round)) results.set(c, await measure(c, round));
    onRound?.(round, results);
    all.push(results);
  }
  return all;
}

export interface Spread {
  min: number;
  median: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return { min: NaN, median: NaN, max: NaN };
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0]!, median, max: sorted.at(-1)! };
}

export const fmt = (n: number, digits = 2): string =>
  Number.isFinite(n) ? n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "n/a";

export const fmtSpread = (s: Spread, digits = 2): string => `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;

export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(" / ");
}

export function machine(): string {
  return `node ${process.version}, ${cpus().length}× ${cpus()[0]?.model.trim() ?? "cpu"}`;
}

/** Verdict for a "≤" or "≥" target. */
export function verdict(value: number, op: "<=" | ">=", target: number): string {
  if (!Number.isFinite(value)) return "not measured";
  return (op === "<=" ? value <= target : value >= target) ? "met" : "missed";
}
