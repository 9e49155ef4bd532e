import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ONE_PIXEL_PNG } from "../helpers/fake-server.js";
import { type TestServer, startTestServer } from "../server/helpers.js";

/** The gateway's HTTP face of the catalog lifecycle (the server runs on the real clock: 2026-12-07 or later). */
describe("catalog lifecycle over HTTP", () => {
  let gw: TestServer;
  before(async () => {
    gw = await startTestServer();
  });
  after(() => gw.stop());

  it("GET /v1/models gives every entry its status and lifecycle facts", async () => {
    const res = await gw.json("/v1/models?provider=google");
    assert.equal(res.status, 200);
    const data = res.body.data as { model: string; status: string; lifecycle: Record<string, string | null>; capabilities: Record<string, unknown> }[];
    const old = data.find((m) => m.model === "gemini-2.5-flash-image")!;
    assert.equal(old.status, "retired");
    assert.deepEqual(old.lifecycle, {
      deprecatedOn: null,
      shutdownOn: "2026-10-02",
      replacement: "gemini-3.1-flash-image",
      verifiedOn: "2026-12-07",
      source: "https://ai.google.dev/gemini-api/docs/deprecations",
    });
    assert.equal(data.find((m) => m.model === "gemini-3.1-flash-image")?.status, "ga");
    for (const m of data) {
      assert.ok(["preview", "ga", "deprecated", "retired"].includes(m.status), m.model);
      assert.ok(m.lifecycle.verifiedOn && m.lifecycle.source, `${m.model} has verifiedOn and source`);
      assert.equal(m.capabilities.status, undefined, "lifecycle is not repeated among the capabilities");
    }
  });

  it("POST /v1/images/variations answers a clear 400 while no real model serves variations", async () => {
    for (const model of ["dall-e-2", "gpt-image-1"]) {
      const form = new FormData();
      form.set("image", new Blob([new Uint8Array(ONE_PIXEL_PNG)], { type: "image/png" }), "in.png");
      form.set("model", model);
      const res = await fetch(`${gw.url}/v1/images/variations`, { method: "POST", body: form });
      const body = (await res.json()) as { error: { message: string; param: string; code: string } };
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(body.error.param, "model");
      assert.equal(body.error.code, "variations_unavailable");
      assert.match(body.error.message, /openai\/dall-e-2 .*was shut down on 2026-05-12/);
      assert.match(body.error.message, /\/v1\/images\/edits/);
    }
  });
});
