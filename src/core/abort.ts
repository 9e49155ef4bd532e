import { CancelledError, TarashError, TimeoutError } from "./errors.js";

/**
 * The typed error behind an aborted signal. Our own controllers abort with a TarashError reason
 * (CancelledError or TimeoutError); a caller's plain `controller.abort()` becomes CancelledError and
 * `AbortSignal.timeout()` becomes TimeoutError.
 */
export function abortError(signal: AbortSignal): TarashError {
  const reason: unknown = signal.reason;
  if (reason instanceof TarashError) return reason;
  if (reason instanceof DOMException && reason.name === "TimeoutError") {
    return new TimeoutError("the request timed out", { cause: reason });
  }
  return new CancelledError("the request was cancelled", { cause: reason });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/**
 * Whether listening to `signal` can ever matter. NEVER is shared by every call without a deadline or a
 * caller signal: a listener per sleep or per attempt on it would pile up (10,000 jobs meant 10,000s of
 * listeners and most of the CPU), and it can never fire anyway.
 */
function canAbort(signal: AbortSignal | undefined): signal is AbortSignal {
  return signal !== undefined && signal !== NEVER;
}

/** Sleep that wakes (and throws the abort reason) as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  if (ms <= 0) return Promise.resolve();
  // Nothing can wake it early: the timer alone, no closure for a listener.
  if (!canAbort(signal)) return new Promise((resolve) => setTimeout(resolve, ms));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Sleep `ms`, or less when `signal` aborts: resolves either way (for loops that check their own stop flag). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Settle with `promise`, or reject with the abort reason once `signal` aborts: at once, or after at most
 * `graceMs` while the promise winds down. It guarantees a prompt cancel even when a user-registered
 * adapter ignores its signal.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, graceMs = 0): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(abortError(signal));
  }
  // A signal that never fires cannot win the race: the promise is the answer, with no wrapper.
  if (!canAbort(signal)) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => {});
      if (graceMs <= 0) return reject(abortError(signal));
      // Give a cooperative adapter a moment to cancel the provider job (its poll wakes at once and calls
      // the cancel endpoint), so the job is stopped before the caller moves on; never wait longer.
      const timer = setTimeout(() => reject(abortError(signal)), graceMs);
      promise.finally(() => {
        clearTimeout(timer);
        reject(abortError(signal));
      }).catch(() => {});
    };
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/** Exponential backoff with full jitter: a uniform draw from [0, min(cap, base·2^n)]. */
export function backoffDelay(retry: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** retry);
  return Math.round(random() * ceiling);
}

/**
 * A signal for one attempt: aborts with CancelledError when the caller aborts and with TimeoutError at
 * the deadline. `dispose` clears the timer so a finished attempt leaves nothing scheduled.
 */
export function attemptSignal(
  parent: AbortSignal | undefined,
  timeoutMs: number | undefined,
  describe: () => string,
): { signal: AbortSignal; deadline: number | undefined; dispose: () => void } {
  // Without a deadline the caller's signal (or one that never fires) serves as is: an AbortController
  // costs microseconds and this is the hot path of every call.
  if (timeoutMs === undefined) return { signal: parent ?? NEVER, deadline: undefined, dispose: () => {} };

  const controller = new AbortController();
  const onParent = () => controller.abort(abortError(parent!));
  if (parent?.aborted) onParent();
  else parent?.addEventListener("abort", onParent, { once: true });
  const deadline = Date.now() + timeoutMs;
  const timer = setTimeout(() => {
    controller.abort(new TimeoutError(`${describe()} timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  return {
    signal: controller.signal,
    deadline,
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener("abort", onParent);
    },
  };
}

/** The signal of an attempt with neither a deadline nor a caller signal: it never fires. */
export const NEVER = new AbortController().signal;
