import { NEVER } from "./abort.js";
import { HTTPError, TimeoutError } from "./errors.js";

/** One server-sent event: its `event` name (default "message") and its joined `data` lines. */
export interface ServerSentEvent {
  event: string;
  data: string;
  id?: string | undefined;
}

export interface ReadEventsOptions {
  /** Aborts the read (the attempt's signal). */
  signal?: AbortSignal | undefined;
  /** Longest silence tolerated between bytes (keep-alive comments count), then TimeoutError. */
  idleMs: number;
  /** Largest single event; a bigger one fails the read instead of growing a buffer without end. */
  maxEventBytes: number;
  /** Who is talking, for error messages. */
  source: string;
}

/**
 * Parse a `text/event-stream` body as it arrives (WHATWG rules: `field: value` lines, blank line ends an
 * event, `:` comments ignored). Bounded: each event is capped, silence is capped, and the caller's signal
 * stops it; the body is cancelled whenever the consumer stops early.
 */
export async function* readServerSentEvents(body: ReadableStream<Uint8Array>, options: ReadEventsOptions): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "message";
  let data: string[] = [];
  let dataBytes = 0;
  let id: string | undefined;
  try {
    for (;;) {
      const chunk = await readWithin(reader, options);
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value, { stream: true });
      if (buffer.length > options.maxEventBytes) {
        // A line this long without a line break is an event over the cap, whatever it turns out to be.
        if (!/[\r\n]/.test(buffer.slice(-options.maxEventBytes))) throw tooLarge(options);
      }
      let newline: number;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
        if (line === "") {
          if (data.length > 0) yield { event, data: data.join("\n"), id };
          event = "message";
          data = [];
          dataBytes = 0;
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "data") {
          dataBytes += value.length + 1;
          if (dataBytes > options.maxEventBytes) throw tooLarge(options);
          data.push(value);
        } else if (field === "event") event = value;
        else if (field === "id") id = value;
      }
    }
  } finally {
    await reader.cancel().catch(() => {
      // The stream is being abandoned; a failure to cancel it changes nothing for the caller.
    });
  }
}

function tooLarge(options: ReadEventsOptions): HTTPError {
  return new HTTPError(`${options.source} sent an event larger than ${options.maxEventBytes} bytes`);
}

/** One read, failing with TimeoutError after `idleMs` of silence and with the signal's reason on abort. */
function readWithin(reader: ReadableStreamDefaultReader<Uint8Array>, options: ReadEventsOptions): Promise<ReadableStreamReadResult<Uint8Array>> {
  const { idleMs } = options;
  // The never-firing signal needs no listener (one per read would pile up on a shared object).
  const signal = options.signal === NEVER ? undefined : options.signal;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(() => reject(new TimeoutError(`${options.source} sent nothing for ${idleMs} ms`))), idleMs);
    const onAbort = () => finish(() => reject(signal?.reason));
    signal?.addEventListener("abort", onAbort, { once: true });
    function finish(settle: () => void) {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      settle();
    }
    reader.read().then(
      (r) => finish(() => resolve(r)),
      (e: unknown) => finish(() => reject(e)),
    );
  });
}
