import type { WorkerTaskResult } from "../../core/media/worker-pool.js";
import { encodeJpeg, encodePng, encodeWebp } from "./encode.js";
import { renderImage } from "./render.js";

/**
 * The mock's CPU-heavy part, run on a media worker (src/core/media/worker-pool.ts): paint one picture and
 * encode it. The encoded bytes are moved back to the caller, not copied.
 */

export interface RenderInput {
  width: number;
  height: number;
  seed: number;
  format: "png" | "jpeg" | "webp";
}

export function renderEncoded(input: RenderInput): WorkerTaskResult<Uint8Array> {
  const pixels = renderImage(input.width, input.height, input.seed);
  const data = input.format === "jpeg" ? encodeJpeg(pixels) : input.format === "webp" ? encodeWebp(pixels) : encodePng(pixels);
  // Every encoder returns a fresh array that owns its whole buffer, so moving the buffer moves just it.
  return { value: data, transfer: [data.buffer as ArrayBuffer] };
}
