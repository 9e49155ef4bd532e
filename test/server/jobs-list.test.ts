import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { hashApiKey } from "../../packages/server/src/server/index.js";
import { type TestServer, startTestServer } from "./helpers.js";

const ACME = "tk_acme_0123456789abcdef";
const GLOBEX = "tk_globex_0123456789abcdef";

describe("GET /v1/jobs", () => {
  let gw: TestServer;
  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  const submit = async (key: string, kind: "image" | "video", prompt: string) => {
    const model = kind === "image" ? "mock-image" : "mock-video";
    const res = await gw.json("/v1/jobs", { body: { kind, model, request: { prompt } }, headers: as(key) });
    assert.equal(res.status, 202);
    return res.body.id as string;
  };
  const ids: string[] = [];
  let other = "";

  before(async () => {
    gw = await startTestServer({
      mock: { enabled: true, latencyMs: 5 },
      auth: { apiKeys: [{ sha256: hashApiKey(ACME), tenant: "acme" }, { sha256: hashApiKey(GLOBEX), tenant: "globex" }] },
    });
    ids.push(await submit(ACME, "image", "one"), await submit(ACME, "video", "two"), await submit(ACME, "image", "three"));
    other = await submit(GLOBEX, "image", "theirs");
  });
  after(() => gw.stop());

  it("lists the tenant's jobs newest first, as job objects", async () => {
    const res = await gw.json("/v1/jobs", { headers: as(ACME) });
    assert.equal(res.status, 200);
    assert.equal(res.body.object, "list");
    const data = res.body.data as { id: string; object: string; kind: string; status: string }[];
    assert.deepEqual(data.map((j) => j.id), [...ids].reverse());
    assert.ok(data.every((j) => j.object === "job"));
    assert.equal(res.body.first_id, ids[2]);
    assert.equal(res.body.last_id, ids[0]);
    assert.equal(res.body.has_more, false);
    assert.ok(!data.some((j) => j.id === other), "another tenant's job is not listed");
    const theirs = await gw.json("/v1/jobs", { headers: as(GLOBEX) });
    assert.deepEqual((theirs.body.data as { id: string }[]).map((j) => j.id), [other]);
  });

  it("filters by kind and pages with limit and after", async () => {
    const images = await gw.json("/v1/jobs?kind=image", { headers: as(ACME) });
    assert.deepEqual((images.body.data as { id: string }[]).map((j) => j.id), [ids[2], ids[0]]);
    const first = await gw.json("/v1/jobs?limit=2", { headers: as(ACME) });
    assert.deepEqual((first.body.data as { id: string }[]).map((j) => j.id), [ids[2], ids[1]]);
    assert.equal(first.body.has_more, true);
    const next = await gw.json(`/v1/jobs?limit=2&after=${first.body.last_id as string}`, { headers: as(ACME) });
    assert.deepEqual((next.body.data as { id: string }[]).map((j) => j.id), [ids[0]]);
    assert.equal(next.body.has_more, false);
  });

  it("completed jobs carry their result with signed URLs", async () => {
    for (let i = 0; i < 200; i++) {
      const job = await gw.json(`/v1/jobs/${ids[0]!}`, { headers: as(ACME) });
      if (job.body.status === "completed") break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const res = await gw.json("/v1/jobs?kind=image&limit=100", { headers: as(ACME) });
    const done = (res.body.data as { id: string; status: string; result: { provider: string; images: { url: string }[] } | null }[]).find((j) => j.id === ids[0]);
    assert.equal(done?.status, "completed");
    assert.equal(done?.result?.provider, "mock");
    const url = done!.result!.images[0]!.url;
    assert.match(url, /\/files\/customers\/acme\/.+[?&]sig=/);
    assert.equal((await fetch(url)).status, 200);
  });

  it("refuses bad parameters and anonymous callers", async () => {
    for (const [query, param] of [
      ["kind=audio", "kind"],
      ["limit=0", "limit"],
      ["limit=101", "limit"],
      ["limit=abc", "limit"],
      // An unknown cursor must not restart the listing (a client paging with it would loop forever).
      ["after=job_doesnotexist", "after"],
      [`after=${other}`, "after"],
      [`kind=image&after=${ids[1]!}`, "after"],
    ] as const) {
      const res = await gw.json(`/v1/jobs?${query}`, { headers: as(ACME) });
      assert.equal(res.status, 400, query);
      assert.equal((res.body.error as { param: string }).param, param);
    }
    assert.equal((await gw.json("/v1/jobs")).status, 401);
  });
});
