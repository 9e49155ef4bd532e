/**
 * What every live result must satisfy: the same invariants the fake-server tests assert. Outputs are
 * fetched through `downloadMedia` (which sends the provider key only where the output needs it), then
 * decoded for real: an image must decode to the dimensions the response states, in the format its
 * mediaType names; a video must be an MP4/MOV container (an `ftyp` box) of some size.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import sharp from "sharp";
import type { Gateway, GenerationConfigInput, ImageGenerationResponse, VideoGenerationResponse } from "../src/index.js";

function assertCommon(res: ImageGenerationResponse | VideoGenerationResponse, provider: string, model: string): void {
  assert.equal(res.provider, provider);
  assert.equal(res.model, model);
  assert.equal(res.isMock, false);
  assert.match(res.requestId, /\S/);
  assert.ok(res.executionMetadata.successfulAttempt !== undefined, "a successful attempt is recorded");
  assert.ok(res.cost, "cost is present");
  assert.ok(typeof res.cost.amountUsd === "number" && res.cost.amountUsd >= 0 && Number.isFinite(res.cost.amountUsd), `cost ${JSON.stringify(res.cost)}`);
}

export async function assertImageResult(gateway: Gateway, config: GenerationConfigInput, res: ImageGenerationResponse, dir: string): Promise<string> {
  assertCommon(res, config.provider!, config.model!);
  assert.ok(res.images.length >= 1, "at least one image");
  const [saved] = await gateway.downloadMedia(res, { to: dir, config });
  assert.ok(saved?.path);
  const bytes = await readFile(saved.path);
  const meta = await sharp(bytes).metadata();
  const image = res.images[0]!;
  assert.ok(meta.width && meta.height, "the image decodes");
  const format = meta.format === "jpeg" ? "image/jpeg" : meta.format === "png" ? "image/png" : meta.format === "webp" ? "image/webp" : `image/${meta.format}`;
  assert.equal(image.mediaType, format, "mediaType matches the bytes");
  if (image.width !== undefined) assert.equal(image.width, meta.width, "width matches the bytes");
  if (image.height !== undefined) assert.equal(image.height, meta.height, "height matches the bytes");
  return `${meta.width}x${meta.height} ${format}, ${bytes.length} bytes, $${res.cost!.amountUsd.toFixed(4)}${res.cost!.estimated ? " (estimated)" : ""}`;
}

export async function assertVideoResult(gateway: Gateway, config: GenerationConfigInput, res: VideoGenerationResponse, dir: string): Promise<string> {
  assertCommon(res, config.provider!, config.model!);
  assert.ok(res.video.url, "a video URL");
  assert.match(res.video.mediaType, /^video\//);
  const [saved] = await gateway.downloadMedia(res, { to: dir, config });
  assert.ok(saved?.path);
  const bytes = await readFile(saved.path);
  assert.ok(bytes.length > 10_000, `a real video file (${bytes.length} bytes)`);
  assert.equal(bytes.subarray(4, 8).toString("latin1"), "ftyp", "an MP4/MOV container");
  return `${res.video.mediaType}, ${bytes.length} bytes, $${res.cost!.amountUsd.toFixed(4)}${res.cost!.estimated ? " (estimated)" : ""}`;
}
