import type { ModelCapability } from "./capabilities.js";

/**
 * When to check a provider job, from how long the model's jobs usually take.
 *
 * Polling at a fixed pace finds a finished job on average half an interval late: 1 s late at the seed's
 * 2 s, more once the wait has grown. Knowing the usual duration E of a model's jobs, the checks can be
 * put where the results are: one right after submit (a refusal or an instant result surfaces at once),
 * the next at 0.7·E (or at the shortest observed duration, if shorter), then every E/10 (at least 100 ms, at most 5 s), growing by 1.2 per check once past
 * the expected time so a job that runs long is not hammered. A job finishing near E is then found within
 * about E/20 on average instead of half the fixed interval.
 *
 * E comes from, in order:
 *  1. the catalog: the model's `typicalDuration` (data with a source and a verified date), else
 *  2. this gateway's own observations: the median of the last 16 jobs of the model that finished while
 *     polled, once there are at least 3, each taken as the midpoint between the last check that found it
 *     running and the one that found it done (a documented heuristic: the provider's recent speed, which
 *     also follows its load), else
 *  3. nothing: the fixed schedule (`pollIntervalMs`, ×1.5 per check up to 15 s).
 * A `pollIntervalMs` set by the caller (config or gateway defaults) always wins, and `maxPollAttempts`,
 * `timeoutMs` and the one-hour default poll limit bound every schedule.
 */

export interface PollSchedule {
  /** Wait after the first check. */
  firstIntervalMs: number;
  /** Wait after each later check, growing by `backoff` up to `maxIntervalMs`. */
  intervalMs: number;
  backoff: number;
  maxIntervalMs: number;
}

const MIN_INTERVAL_MS = 100;
const MAX_INTERVAL_MS = 5_000;
const SAMPLES = 16;
const MIN_SAMPLES = 3;
/** Models remembered per gateway; the least recently completed is forgotten first. */
const MAX_MODELS = 512;

/**
 * The schedule for jobs expected to take `expectedMs`. `earliestMs`, when the durations were observed, is
 * the shortest of them: the second check goes there rather than at 0.7·E, since jobs whose durations
 * spread widely would otherwise be found up to 0.7·E late.
 */
export function scheduleFor(expectedMs: number, earliestMs?: number): PollSchedule {
  const intervalMs = Math.round(Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, expectedMs / 10)));
  const first = earliestMs !== undefined ? Math.min(earliestMs, expectedMs * 0.7) : expectedMs * 0.7;
  return {
    firstIntervalMs: Math.max(intervalMs, Math.round(first)),
    intervalMs,
    backoff: 1.2,
    maxIntervalMs: Math.max(intervalMs, Math.min(15_000, Math.round(expectedMs / 2))),
  };
}

/** How long recent polled jobs took, per provider/model: a bounded map of bounded rings. */
export class DurationObservations {
  readonly #byModel = new Map<string, number[]>();

  observe(provider: string, model: string, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const key = `${provider}\u0000${model}`;
    let ring = this.#byModel.get(key);
    if (ring) this.#byModel.delete(key);
    else {
      ring = [];
      if (this.#byModel.size >= MAX_MODELS) this.#byModel.delete(this.#byModel.keys().next().value!);
    }
    ring.push(ms);
    if (ring.length > SAMPLES) ring.shift();
    this.#byModel.set(key, ring);
  }

  /** The median and the shortest of the recent durations, once there are enough of them. */
  typical(provider: string, model: string): { expectedMs: number; earliestMs: number } | undefined {
    const ring = this.#byModel.get(`${provider}\u0000${model}`);
    if (!ring || ring.length < MIN_SAMPLES) return undefined;
    const sorted = [...ring].sort((a, b) => a - b);
    return { expectedMs: sorted[sorted.length >> 1]!, earliestMs: sorted[0]! };
  }
}

/** The schedule for a job of this model: catalog data first, then what this gateway has observed. */
export function scheduleForModel(capability: ModelCapability | undefined, observed: DurationObservations, provider: string, model: string): PollSchedule | undefined {
  const seconds = capability?.typicalDuration?.seconds;
  if (seconds !== undefined && seconds > 0) return scheduleFor(seconds * 1000);
  const seen = observed.typical(provider, model);
  return seen && scheduleFor(seen.expectedMs, seen.earliestMs);
}
