import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

/** The examples are documentation that runs: each one is executed here against the mock provider. */
describe("examples", () => {
  it("generate-image writes a real PNG", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tarash-ex-"));
    const { main } = await import("../examples/generate-image.js");
    const res = await main(join(dir, "out.png"));
    assert.equal(res.images[0]?.width, 768);
    assert.equal((await readFile(join(dir, "out.png"))).subarray(1, 4).toString(), "PNG");
  });

  it("retries-and-fallbacks ends on the fallback after the primary's retries", async () => {
    const { main } = await import("../examples/retries-and-fallbacks.js");
    const res = await main();
    assert.deepEqual(res.executionMetadata.attempts.map((a) => `${a.model}:${a.status}`), ["mock-image:failed", "mock-image:failed", "backup-image:success"]);
  });

  it("video-job submits, polls and downloads", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tarash-ex-"));
    const { main } = await import("../examples/video-job.js");
    const status = await main(join(dir, "waves.mp4"));
    assert.equal(status.status, "completed");
    assert.equal((await readFile(join(dir, "waves.mp4"))).subarray(4, 8).toString(), "ftyp");
  });

  it("custom-provider registers a provider whose catalog validates requests", async () => {
    const { main } = await import("../examples/custom-provider.js");
    const res = await main();
    assert.equal(res.provider, "inhouse");
    assert.deepEqual(res.cost, { amountUsd: 0.001, basis: "per_image", estimated: true });
  });
});
