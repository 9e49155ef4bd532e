import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { createGateway } from "../../src/index.js";
import type { AdapterContext } from "../../src/core/provider.js";

/**
 * What one in-flight job costs (issue #12 item 2): 10,000 concurrent generateVideo calls must stay within
 * 1.5× the memory of a hand-written loop, so nothing per job may be heavier than it needs to be.
 */
describe("the footprint of an in-flight video job", () => {
  it("a mock video job in this process polls without touching the shared mock state directory", async () => {
    // The state directory is where cancels from other processes are recorded. A job whose id never left
    // this call cannot have one, so its polls must not read it: here it is a file, so any read fails.
    const dir = await mkdtemp(join(tmpdir(), "tarash-footprint-"));
    const notADir = join(dir, "file");
    await writeFile(notADir, "x");
    const before = process.env.TARASH_MOCK_STATE_DIR;
    process.env.TARASH_MOCK_STATE_DIR = notADir;
    try {
      const gateway = createGateway({ logLevel: "silent" });
      const res = await gateway.generateVideo(
        { provider: "mock", model: "mock-video", mock: { enabled: true, latencyMs: 60 } },
        { prompt: "a lighthouse", durationSeconds: 2 },
        { onProgress: () => {} },
      );
      assert.equal(res.status, "completed");
      assert.ok(res.video.url.startsWith("data:video/mp4;base64,"));
    } finally {
      if (before === undefined) delete process.env.TARASH_MOCK_STATE_DIR;
      else process.env.TARASH_MOCK_STATE_DIR = before;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the attempt context an adapter gets is a fast-mode object, and its media tools still work, also on a copy", async () => {
    setFlagsFromString("--allow-natives-syntax");
    const hasFastProperties = new Function("o", "return %HasFastProperties(o)") as (o: object) => boolean;
    let seen: { fast: boolean; bytes: number; copied: string } | undefined;
    const gateway = createGateway({ logLevel: "silent" });
    gateway.registerProvider({
      id: "probe",
      requiresApiKey: false,
      models: [{ provider: "probe", model: "v", kind: "video", durations: [2] }],
      async generateVideo(ctx: AdapterContext) {
        const copy = { ...ctx, model: "other" };
        const png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
        seen = {
          fast: hasFastProperties(ctx),
          bytes: (await ctx.media.toBytes(png, "image")).data.byteLength,
          copied: (await copy.media.toBytes(png, "image")).mediaType,
        };
        return { videos: [{ url: "https://example.com/v.mp4" }], rawResponse: {} };
      },
    });
    await gateway.generateVideo({ provider: "probe", model: "v" }, { prompt: "x", durationSeconds: 2 });
    assert.deepEqual(seen, { fast: true, bytes: 70, copied: "image/png" });
  });
});
