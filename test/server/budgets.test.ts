import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { ConfigError, parseServerConfig } from "../../packages/server/src/server/index.js";
import { DatabaseHandle } from "../../packages/server/src/server/db/handle.js";
import { XAI_KEY, startXaiFake } from "../fakes/xai.js";
import type { FakeServer } from "../helpers/fake-server.js";
import { type TestServer, startTestServer } from "./helpers.js";

const ACME_KEY = "tk-acme-budget-0123456789";
const LIMITED_KEY = "tk-limited-key-0123456789";
const sha = (k: string) => createHash("sha256").update(k).digest("hex");
const auth = (key: string) => ({ authorization: `Bearer ${key}` });
// grok-imagine-image: $0.02 an image in the catalog, estimated and billed alike.
const BODY = { model: "img", prompt: "a lighthouse", response_format: "url" };

describe("budgets", () => {
  let xai: FakeServer;
  let gw: TestServer;
  before(async () => {
    xai = await startXaiFake();
    // Where the fake's output URLs point: the gateway stores each output it is given as a URL.
    const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
    xai.route("GET", "/xai-imgen/:file", () => ({ headers: { "content-type": "image/png" }, body: png }));
    gw = await startTestServer(
      {
        mock: { enabled: false },
        providers: { xai: { apiKey: XAI_KEY, baseUrl: `${xai.url}/v1` } },
        network: { allowPrivateNetwork: true },
        routes: { img: { model: "xai/grok-imagine-image", retries: 0 } },
        tenants: { acme: { budget: { dailyUsd: 0.05 } } },
        auth: {
          apiKeys: [
            { sha256: sha(ACME_KEY), tenant: "acme" },
            { sha256: sha(LIMITED_KEY), tenant: "wide", budget: { dailyUsd: 0.05, monthlyUsd: 5 } },
          ],
        },
      },
      // Their own database: the spend sums must see only this file's calls.
      { database: new DatabaseHandle({ dir: "memory://" }) },
    );
  });
  after(async () => {
    await gw.stop();
    await xai.close();
  });

  it("a tenant's request whose estimate would cross its daily budget is a 402 before any provider call", async () => {
    for (let i = 0; i < 2; i++) {
      const ok = await gw.json("/v1/images/generations", { body: BODY, headers: auth(ACME_KEY) });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.headers.get("x-tarash-cost-usd"), "0.02");
    }
    const calls = xai.calls("POST", "/v1/images/generations").length;
    const refused = await gw.json("/v1/images/generations", { body: BODY, headers: auth(ACME_KEY) });
    assert.equal(refused.status, 402);
    const error = refused.body.error as { code: string; message: string };
    assert.equal(error.code, "budget_exceeded");
    assert.match(error.message, /daily budget of tenant "acme" is \$0\.05; spent so far \$0\.04, and this request is estimated at \$0\.02/);
    assert.equal(xai.calls("POST", "/v1/images/generations").length, calls, "the provider was not called");
    // A job for the same tenant fails the same way, before any provider call.
    const job = await gw.json("/v1/jobs", { body: { kind: "image", route: "img", request: { prompt: "x" } }, headers: auth(ACME_KEY) });
    assert.equal(job.status, 202);
    let view = job.body;
    const deadline = Date.now() + 20_000;
    while (!["completed", "failed", "cancelled"].includes(view.status as string) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      view = (await gw.json(`/v1/jobs/${job.body.id as string}`, { headers: auth(ACME_KEY) })).body;
    }
    assert.equal(view.status, "failed");
    assert.deepEqual([(view.error as { code: string }).code, (view.error as { status: number }).status], ["budget_exceeded", 402]);
    assert.equal(xai.calls("POST", "/v1/images/generations").length, calls);
  });

  it("concurrent requests on a key's budget cannot overspend: each reserves its estimate first", async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => gw.json("/v1/images/generations", { body: BODY, headers: auth(LIMITED_KEY) })));
    const statuses = results.map((r) => r.status).sort();
    // $0.05 holds two $0.02 images: exactly two run, however the eight interleave.
    assert.deepEqual(statuses, [200, 200, 402, 402, 402, 402, 402, 402]);
    const refused = results.find((r) => r.status === 402)!;
    assert.match((refused.body.error as { message: string }).message, new RegExp(`daily budget of API key ${sha(LIMITED_KEY).slice(0, 12)} is \\$0\\.05`));
    const usage = await gw.json("/v1/usage", { headers: auth(LIMITED_KEY) });
    assert.equal((usage.body.totals as { spend_usd: number }).spend_usd, 0.04);
  });

  it("budgets are validated: positive USD amounts only, named by field", () => {
    assert.throws(
      () => parseServerConfig({ tenants: { acme: { budget: { dailyUsd: -1 } } } }, {}),
      (e: unknown) => e instanceof ConfigError && e.field === "tenants.acme.budget.dailyUsd",
    );
    assert.throws(
      () => parseServerConfig({ tenants: { acme: { budget: { weeklyUsd: 1 } } } }, {}),
      (e: unknown) => e instanceof ConfigError && e.field === "tenants.acme.budget" && /weeklyUsd/.test(e.message),
    );
  });
});
