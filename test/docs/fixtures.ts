// What the documentation's snippets assume the reader already has: an image in memory, a key. Real values,
// so that a snippet runs exactly as written.
import { generateImage } from "../../src/index.js";

async function mockPng(prompt: string, outputFormat: "png" | "jpeg" = "png"): Promise<Uint8Array> {
  const res = await generateImage({ provider: "mock" }, { prompt, size: "256x256", outputFormat });
  const url = res.images[0]!.url;
  return Buffer.from(url.slice(url.indexOf(",") + 1), "base64");
}

/** A PNG the reader wants to edit or animate. */
export const photoBytes: Uint8Array = await mockPng("a photo");
export const frameBytes: Uint8Array = await mockPng("a first frame");
export const png: Uint8Array = await mockPng("an input image");
/** A mask of the same size (what to repaint). */
export const maskBytes: Uint8Array = await mockPng("a mask");
/** A provider key the reader passes explicitly. */
export const apiKey = "doc-test-key-0000000000";
/** A style reference the reader keeps as a JPEG file. */
export const styleJpeg: Uint8Array = await mockPng("a style", "jpeg");
