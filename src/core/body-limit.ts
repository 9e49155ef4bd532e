/**
 * Byte caps on bodies we did not write. A provider (or anything in front of it) can answer with a
 * body of any size, or one that never ends, or a small gzip body that inflates to gigabytes; reading
 * such a body whole killed the process. Everything here counts the bytes as they arrive, after any
 * content decoding, so a compressed body is capped on its inflated size, and stops reading (cancelling
 * the source, which closes the connection) as soon as the cap is passed.
 *
 * The helpers take any async iterable of chunks, so a fetch Response body and a raw dispatcher body
 * share the same logic.
 */

/** Provider JSON answers carry base64 images: ten 1536×1024 PNGs from one call are ~40 MB of JSON. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** An error body is read for its message; a megabyte is far more than any provider writes. */
export const MAX_ERROR_BODY_BYTES = 1024 * 1024;

/**
 * Chunks that are already buffered (or inflate from a few compressed bytes) are handed over in
 * microtasks, one after another, without the event loop getting a turn: reading tens of megabytes
 * that way starves every other request. Every this many bytes the reader waits for the next turn.
 */
const YIELD_EVERY_BYTES = 1024 * 1024;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Read a whole body into memory, or fail with `tooLarge()` once more than `maxBytes` arrived. The
 * rest is never read: leaving the loop early cancels the source.
 */
export async function readCapped(source: AsyncIterable<Uint8Array>, maxBytes: number, tooLarge: () => Error): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let sinceYield = 0;
  for await (const chunk of source) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge();
    chunks.push(chunk);
    sinceYield += chunk.byteLength;
    if (sinceYield >= YIELD_EVERY_BYTES) {
      sinceYield = 0;
      await nextTurn();
    }
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/** Read a body as UTF-8 text, capped (see readCapped). A missing body is the empty string. */
export async function readCappedText(source: AsyncIterable<Uint8Array> | null, maxBytes: number, tooLarge: () => Error): Promise<string> {
  if (!source) return "";
  return new TextDecoder().decode(await readCapped(source, maxBytes, tooLarge));
}

/**
 * A stream that passes chunks through until more than `maxBytes` went by, then errors with
 * `tooLarge()`: whoever reads it (`text()`, `arrayBuffer()`, a pipe to storage) fails with that error,
 * and the source is cancelled. `done` runs once when the stream ends, either way.
 */
export function capStream(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
  tooLarge: () => Error,
  done?: () => void,
): ReadableStream<Uint8Array> {
  let seen = 0;
  let sinceYield = 0;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes) {
          done?.();
          controller.error(tooLarge());
          return undefined;
        }
        controller.enqueue(chunk);
        sinceYield += chunk.byteLength;
        if (sinceYield < YIELD_EVERY_BYTES) return undefined;
        sinceYield = 0;
        // A pending transform holds the pipe (backpressure) until the loop had its turn.
        return nextTurn();
      },
      flush() {
        done?.();
      },
    }),
  );
}
