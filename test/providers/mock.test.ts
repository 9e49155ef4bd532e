import assert from "node:assert/strict";
import { describe, it } from "node:test";
import sharp from "sharp";
import { ContentModerationError, createGateway, generateImage, type ImageGenerationResponse } from "../../src/index.js";
import { parseDataUrl } from "../../src/core/media/tools.js";

const gw = createGateway({ logLevel: "silent" });
const bytesOf = (res: ImageGenerationResponse, i = 0) => parseDataUrl(res.images[i]!.url, "url").data;

describe("mock provider", () => {
  for (const format of ["png", "jpeg", "webp"] as const) {
    it(`returns a real, decodable ${format} of the requested size`, async () => {
      const res = await gw.generateImage({ provider: "mock", mock: { latencyMs: 0 } }, { prompt: "a lighthouse at dusk", size: "320x200", outputFormat: format, seed: 1 });
      const meta = await sharp(bytesOf(res)).metadata();
      assert.equal(meta.format, format);
      assert.equal(meta.width, 320);
      assert.equal(meta.height, 200);
      assert.equal(res.images[0]!.mediaType, `image/${format}`);
      assert.equal(res.images[0]!.width, 320);
      assert.equal(res.isMock, true);
    });
  }

  it("is deterministic for the same prompt and seed, different for another seed", async () => {
    const run = (seed: number) => gw.generateImage({ provider: "mock", mock: { latencyMs: 0 } }, { prompt: "same", size: "64x64", seed });
    const [a, b, c] = await Promise.all([run(7), run(7), run(8)]);
    assert.deepEqual(bytesOf(a), bytesOf(b));
    assert.notDeepEqual(bytesOf(a), bytesOf(c));
  });

  it("returns n images (split across calls beyond its per-call limit) with distinct pictures", async () => {
    const res = await gw.generateImage({ provider: "mock", mock: { latencyMs: 0 } }, { prompt: "many", size: "32x32", n: 6, seed: 3 });
    assert.equal(res.images.length, 6);
    assert.equal(new Set(res.images.map((i) => i.url)).size >= 2, true);
    assert.deepEqual(res.usage, { images: 6 });
  });

  it("sizes by aspect ratio and resolution tier when no size is given", async () => {
    const res = await gw.generateImage({ provider: "mock", mock: { latencyMs: 0 } }, { prompt: "wide", aspectRatio: "16:9" });
    const { width, height } = res.images[0]!;
    assert.ok(width! > height! && Math.abs(width! / height! - 16 / 9) < 0.05);
  });

  it("mocks any provider's config with mock.enabled, validating against that model", async () => {
    gw.registerModel({ provider: "mock", model: "pretend-dalle", kind: "image", sizes: ["256x256"], maxN: 1 });
    const res = await gw.generateImage({ provider: "mock", model: "pretend-dalle", mock: { enabled: true, latencyMs: 0 } }, { prompt: "x", size: "256x256" });
    assert.equal(res.model, "pretend-dalle");
    assert.equal(res.images[0]!.width, 256);
  });

  it("simulates the queue and progress over its latency", async () => {
    const statuses: string[] = [];
    await gw.generateImage({ provider: "mock", mock: { latencyMs: 50 } }, { prompt: "x", size: "32x32" }, { onProgress: (u) => void statuses.push(`${u.status}:${u.queuePosition ?? u.progressPercent ?? ""}`) });
    assert.deepEqual(statuses, ["queued:2", "queued:1", "processing:25", "processing:50", "processing:75", "completed:100"]);
  });

  it("injects configured errors", async () => {
    await assert.rejects(
      gw.generateImage({ provider: "mock", maxRetries: 0, mock: { latencyMs: 0, failureRate: 1, errorType: "moderation" } }, { prompt: "x" }),
      ContentModerationError,
    );
  });

  it("works through the top-level generateImage too", async () => {
    const res = await generateImage({ provider: "mock", mock: { latencyMs: 0 } }, { prompt: "top", size: "16x16" });
    assert.match(res.images[0]!.url, /^data:image\/png;base64,/);
  });

  it("returns a real MP4 for video, every one of numberOfVideos", async () => {
    const res = await gw.generateVideo({ provider: "mock", mock: { latencyMs: 20 } }, { prompt: "waves", numberOfVideos: 2, durationSeconds: 4 });
    assert.equal(res.videos.length, 2);
    const data = Buffer.from(parseDataUrl(res.video.url, "url").data);
    const mp4 = readMp4(data);
    assert.equal(mp4.top[0], "ftyp");
    assert.ok(mp4.top.includes("moov") && mp4.top.includes("mdat"));
    // What the response claims must be what the file holds: an H.264 track of that size and length.
    assert.equal(mp4.codec, "avc1");
    assert.equal(mp4.width, res.video.width);
    assert.equal(mp4.height, res.video.height);
    assert.equal(mp4.durationSeconds, res.video.durationSeconds);
    assert.ok(mp4.samples > 1, "more than one frame");
    assert.equal(res.video.mediaType, "video/mp4");
    assert.deepEqual(res.usage, { videos: 2, seconds: 8 });
  });

  it("supports start-now-check-later jobs, resumable from another gateway instance", async () => {
    const job = await gw.submitVideo({ provider: "mock", mock: { latencyMs: 60 } }, { prompt: "later" });
    assert.match(job.jobId, /^vj_/);
    const other = createGateway({ logLevel: "silent" });
    const early = await other.getVideoStatus(job.jobId);
    assert.ok(early.status === "queued" || early.status === "processing");
    await new Promise((r) => setTimeout(r, 80));
    const done = await other.getVideoStatus(job.jobId);
    assert.equal(done.status, "completed");
    assert.equal(done.result?.video.mediaType, "video/mp4");
    const job2 = await gw.submitVideo({ provider: "mock", mock: { latencyMs: 10_000 } }, { prompt: "cancel me" });
    await gw.cancelVideo(job2.jobId);
    assert.equal((await gw.getVideoStatus(job2.jobId)).status, "cancelled");
  });

  it("reports a late moderation block as a failed job", async () => {
    const job = await gw.submitVideo({ provider: "mock", mock: { latencyMs: 0, failureRate: 1, errorType: "moderation" } }, { prompt: "x" });
    const s = await gw.getVideoStatus(job.jobId);
    assert.equal(s.status, "failed");
    assert.equal(s.error?.type, "ContentModerationError");
  });
});

/** The few MP4 boxes that prove a file is a playable video: top level, movie header, track header, sample table. */
function readMp4(buf: Buffer): { top: string[]; durationSeconds: number; width: number; height: number; codec: string; samples: number } {
  const out = { top: [] as string[], durationSeconds: 0, width: 0, height: 0, codec: "", samples: 0 };
  const walk = (start: number, end: number, depth: number) => {
    for (let o = start; o + 8 <= end; ) {
      const size = buf.readUInt32BE(o);
      const type = buf.toString("latin1", o + 4, o + 8);
      assert.ok(size >= 8 && o + size <= end, `box ${type} fits its parent`);
      if (depth === 0) out.top.push(type);
      if (["moov", "trak", "mdia", "minf", "stbl"].includes(type)) walk(o + 8, o + size, depth + 1);
      if (type === "mvhd") out.durationSeconds = buf.readUInt32BE(o + 24) / buf.readUInt32BE(o + 20);
      if (type === "tkhd") {
        out.width = buf.readUInt32BE(o + size - 8) >>> 16;
        out.height = buf.readUInt32BE(o + size - 4) >>> 16;
      }
      if (type === "stsd") out.codec = buf.toString("latin1", o + 20, o + 24);
      if (type === "stsz") out.samples = buf.readUInt32BE(o + 16);
      o += size;
    }
  };
  walk(0, buf.length, 0);
  return out;
}
