import { abortError, sleep, throwIfAborted } from "./abort.js";
import { TarashError, TimeoutError } from "./errors.js";
import type { ProgressReport } from "./provider.js";

export type PollStep<T> =
  | { done: true; value: T }
  | { done: false; progress?: ProgressReport | undefined; retryAfterMs?: number | undefined };

export interface PollOptions<T> {
  /** One status check. Throw to fail the poll; return `done: true` to finish. */
  check: (attempt: number) => Promise<PollStep<T>>;
  signal?: AbortSignal | undefined;
  /** First wait between checks. */
  intervalMs: number;
  /**
   * Wait after the very first check, when it differs from the pace after it (a schedule that expects the
   * job to take a while: the next check near the expected completion, then `intervalMs`).
   */
  firstIntervalMs?: number | undefined;
  /** Growth of the wait after each check, capped at `maxIntervalMs`. */
  backoff?: number;
  maxIntervalMs?: number;
  maxAttempts?: number | undefined;
  /** Epoch ms after which polling gives up with TimeoutError. */
  deadline?: number | undefined;
  /** Called when the signal aborts, to cancel the job on the provider's side (best effort). */
  onCancel?: (() => Promise<void>) | undefined;
  onProgress?: ((report: ProgressReport) => Promise<void>) | undefined;
  /** What is being polled, for error messages. */
  what?: string;
}

const DEFAULT_MAX_INTERVAL_MS = 15_000;
/** A provider's Retry-After is honoured up to this; an hour-long hint must not park a job unseen. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Poll a provider job to a terminal state. Bounded by attempts and deadline (unbounded polling is a
 * peer defect we do not repeat), waits grow geometrically, a provider's Retry-After wins over our
 * own schedule, and an abort wakes it at once and asks the provider to cancel.
 */
export async function poll<T>(options: PollOptions<T>): Promise<T> {
  const { signal, check, onProgress, what = "job" } = options;
  const backoff = options.backoff ?? 1.5;
  const maxInterval = Math.max(options.intervalMs, options.maxIntervalMs ?? DEFAULT_MAX_INTERVAL_MS);
  let interval = options.intervalMs;
  let lastStatus: string | undefined;
  let gaveUp = false;
  const giveUp = (message: string) => {
    gaveUp = true;
    return new TimeoutError(message);
  };
  try {
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(signal);
      const step = await check(attempt);
      if (step.done) return step.value;
      if (step.progress && onProgress) {
        const key = `${step.progress.status}|${step.progress.progressPercent}|${step.progress.queuePosition}|${step.progress.message}|${step.progress.logs?.length}`;
        if (key !== lastStatus) {
          lastStatus = key;
          await onProgress(step.progress);
        }
      }
      if (options.maxAttempts !== undefined && attempt >= options.maxAttempts) {
        throw giveUp(`${what} did not finish after ${attempt} status checks (maxPollAttempts)`);
      }
      const first = attempt === 1 && options.firstIntervalMs !== undefined;
      const pace = first ? options.firstIntervalMs! : interval;
      let wait = step.retryAfterMs !== undefined ? Math.min(step.retryAfterMs, Math.max(MAX_RETRY_AFTER_MS, pace)) : pace;
      if (options.deadline !== undefined) {
        const left = options.deadline - Date.now();
        if (left <= 0) throw giveUp(`${what} did not finish before the deadline`);
        wait = Math.min(wait, left);
      }
      await sleep(wait, signal);
      if (!first) interval = Math.min(maxInterval, Math.round(interval * backoff));
    }
  } catch (error) {
    // Stop the provider's job when we stop waiting for it: on abort and on our own deadline or attempt
    // limit alike, so a job we gave up on does not keep running (and billing).
    if ((gaveUp || signal?.aborted) && options.onCancel) {
      await options.onCancel().catch(() => {
        // Cancelling is a courtesy to the provider; the caller's cancel has already taken effect.
      });
    }
    if (signal?.aborted && !(error instanceof TarashError)) throw abortError(signal);
    throw error;
  }
}
