import { setMaxListeners } from "node:events";
import { abortError } from "../../core/abort.js";
import { GenerationFailedError, RateLimitError, TimeoutError, ValidationError } from "../../core/errors.js";
import { WorkerPoolError, mediaWorkers } from "../../core/media/worker-pool.js";
import { type RenderInput, renderEncoded } from "./render-task.js";

/** The most pixels one mock image may have (4096², the mock model's own limit; a mocked model may allow more). */
export const MAX_MOCK_PIXELS = 4096 * 4096;

/**
 * Pictures up to 64×64 (PNG or WebP) are painted on the calling thread: well under a millisecond each once
 * warm, a few the first time, with a turn of the event loop between them. JPEG always goes to a worker:
 * jpeg-js builds its tables on every call (tens of milliseconds).
 */
const INLINE_MAX_PIXELS = 64 * 64;

// `.js` in both layouts: dist holds render-task.js; under tsx the worker maps it to render-task.ts.
const TASK = new URL("./render-task.js", import.meta.url);

/** Render and encode one mock picture (on the shared media workers unless tiny), pool failures as provider errors. */
export async function renderPicture(input: RenderInput, signal: AbortSignal): Promise<Uint8Array> {
  if (input.width * input.height > MAX_MOCK_PIXELS) {
    const message = `the mock renders at most ${MAX_MOCK_PIXELS} pixels per image (4096×4096); ${input.width}×${input.height} is larger`;
    throw new ValidationError(message, { issues: [{ field: "size", message }] });
  }
  if (input.format !== "jpeg" && input.width * input.height <= INLINE_MAX_PIXELS) {
    // A thumbnail costs less here than a message to a worker (and no worker has to start for it).
    await new Promise((resolve) => setImmediate(resolve));
    if (signal.aborted) throw abortError(signal);
    return renderEncoded(input).value;
  }
  try {
    return await mediaWorkers().run<Uint8Array>(TASK, "renderEncoded", input, { signal });
  } catch (error) {
    if (signal.aborted) throw abortError(signal);
    if (!(error instanceof WorkerPoolError)) throw error;
    switch (error.reason) {
      case "busy":
        throw new RateLimitError(`the mock renderer is busy: ${error.message}`, { retryAfterMs: 1_000 });
      case "timeout":
        throw new TimeoutError(`the mock renderer timed out: ${error.message}`);
      default:
        throw new GenerationFailedError(`the mock renderer failed: ${error.message}`, { transient: true });
    }
  }
}

/** Render several pictures at once; one listener on `signal` however many there are. */
export async function renderAllOnWorkers(inputs: RenderInput[], signal: AbortSignal): Promise<Uint8Array[]> {
  const local = new AbortController();
  setMaxListeners(inputs.length + 1, local.signal);
  const forward = () => local.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener("abort", forward, { once: true });
  try {
    return await Promise.all(inputs.map((input) => renderPicture(input, local.signal)));
  } catch (error) {
    // One failure ends the call: drop the siblings still waiting for a worker.
    if (!local.signal.aborted) local.abort(error);
    throw signal.aborted ? abortError(signal) : error;
  } finally {
    signal.removeEventListener("abort", forward);
  }
}
