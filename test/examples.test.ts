import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import { register } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

// The examples import "tarash-gateway" as a user would. Resolved by the package's own exports that is
// dist/, which is whatever was last built; point it at the source so the examples test this checkout.
// Handing the source path on to the next resolver lets tsx map it to the .ts file and compile it.
const SOURCE = new URL("../src/index.js", import.meta.url).href;
const HOOK = `export function resolve(specifier, context, next) {
  return next(specifier === "tarash-gateway" ? ${JSON.stringify(SOURCE)} : specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(HOOK)}`);

/** The examples are documentation that runs: each one is executed here against the mock provider. */
describe("examples", () => {
  it("run against the source, not a stale build", async () => {
    const viaPackage = await import("tarash-gateway");
    const source = await import("../src/index.js");
    assert.equal(viaPackage.generateImage, source.generateImage);
  });

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
