import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { type TestServer, startTestServer } from "./helpers.js";

const metrics = async (gw: TestServer) => (await fetch(`${gw.url}/metrics`)).text();
const series = (text: string, name: string) => text.split("\n").filter((l) => l.startsWith(name) && !l.startsWith("#"));

describe("metric labels come only from the catalog and configured routes", () => {
  let gw: TestServer;
  before(async () => {
    gw = await startTestServer({ routes: { tuned: { model: "openai/my-finetune-7" } } });
  });
  after(() => gw.stop());

  async function randomModels(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const id = randomBytes(6).toString("hex");
      // An unknown bare name (400), and names under real providers that run uncatalogued (mock mode).
      for (const model of [`rand-${id}`, `openai/rand-${id}`, `mock/rand-${id}`]) {
        const res = await gw.json("/v1/images/generations", { body: { model, prompt: "x", size: "32x32" } });
        assert.ok(res.status === 200 || res.status === 400, `${model}: ${res.status}`);
      }
    }
  }

  it("30 random model ids and a 100 KB one add no series: /metrics stays the same size", async () => {
    await metrics(gw); // the scrape's own series exists from here on
    await randomModels(30);
    const first = await metrics(gw);
    await randomModels(30);
    const huge = await gw.json("/v1/images/generations", { body: { model: `openai/${"m".repeat(100_000)}`, prompt: "x", size: "32x32" } });
    assert.equal(huge.status, 400);
    assert.equal((huge.body.error as { param: string }).param, "model");
    const second = await metrics(gw);
    assert.ok(!second.includes("rand-"), "no client-chosen model id is a label");
    assert.ok(!second.includes("mmmmmmmmmm"));
    // The same series, only their counts moved.
    const shape = (text: string) => text.split("\n").map((l) => l.replace(/ [\d.e+-]+$/, ""));
    assert.deepEqual(shape(second), shape(first));
    assert.ok(second.length < first.length + 500, `${first.length} → ${second.length} bytes`);
    assert.ok(series(second, "tarash_generation_duration_seconds_count").some((l) => l.includes('model="other"')));
  });

  it("catalog models and configured route targets keep their names", async () => {
    assert.equal((await gw.json("/v1/images/generations", { body: { model: "mock/mock-image", prompt: "x", size: "32x32" } })).status, 200);
    assert.equal((await gw.json("/v1/images/generations", { body: { model: "tuned", prompt: "x", size: "1024x1024" } })).status, 200);
    const lines = series(await metrics(gw), "tarash_generation_duration_seconds_count");
    assert.ok(lines.some((l) => l.includes('provider="mock"') && l.includes('model="mock-image"')), lines.join("\n"));
    assert.ok(lines.some((l) => l.includes('provider="openai"') && l.includes('model="my-finetune-7"')), lines.join("\n"));
  });
});
