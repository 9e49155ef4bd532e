import assert from "node:assert/strict";
import { createHmac, timingSafeEqual } from "node:crypto";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { FAL_KEY, type FalFake, startFalFake } from "../fakes/fal.js";
import { type Receiver, type TestServer, readSse, startReceiver, startTestServer } from "./helpers.js";

const SECRET = "whsec_0123456789abcdef";

function verifySignature(header: string, body: string, secret: string): boolean {
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=") as [string, string]));
  const expected = createHmac("sha256", secret).update(`${parts.t}.${body}`).digest();
  const given = Buffer.from(parts.v1 ?? "", "hex");
  return given.length === expected.length && timingSafeEqual(given, expected) && Math.abs(Date.now() / 1000 - Number(parts.t)) < 60;
}

describe("native jobs", () => {
  let gw: TestServer;
  before(async () => {
    gw = await startTestServer({
      routes: { slow: { model: "mock/mock-video", mock: { latencyMs: 20_000 } } },
      webhooks: { allowPrivateNetwork: true, initialBackoffMs: 20, maxAttempts: 4 },
    });
  });
  after(() => gw.stop());

  it("POST /v1/jobs → 202, then SSE: queued, started, progress…, completed (replayed for late subscribers)", async () => {
    const created = await gw.json("/v1/jobs", { body: { kind: "image", model: "mock-image", request: { prompt: "a kite", size: "64x64", n: 2 } } });
    assert.equal(created.status, 202);
    assert.match(created.body.id as string, /^job_/);
    assert.equal(created.body.status, "queued");
    assert.equal(created.headers.get("location"), `/v1/jobs/${created.body.id as string}`);
    const events = await readSse(await fetch(`${gw.url}/v1/jobs/${created.body.id as string}/events`));
    const types = events.map((e) => e.event);
    assert.deepEqual(types.slice(0, 2), ["queued", "started"]);
    assert.equal(types.at(-1), "completed");
    const progress = events.filter((e) => e.event === "progress").map((e) => e.data.progress as { status: string; progressPercent?: number });
    assert.ok(progress.length >= 4, "every progress update is streamed");
    const percents = progress.map((p) => p.progressPercent).filter((p) => p !== undefined);
    assert.deepEqual(percents, [...percents].sort((a, b) => a! - b!));
    assert.deepEqual(events.map((e) => Number(e.id)), events.map((_, i) => i + 1));
    const result = events.at(-1)!.data.result as { images: { url: string }[] };
    assert.equal(result.images.length, 2);
    assert.equal((await fetch(result.images[0]!.url)).status, 200);
    // A late subscriber gets the whole history; Last-Event-ID resumes after it.
    const replay = await readSse(await fetch(`${gw.url}/v1/jobs/${created.body.id as string}/events`));
    assert.deepEqual(replay.map((e) => e.event), types);
    const resumed = await readSse(await fetch(`${gw.url}/v1/jobs/${created.body.id as string}/events`, { headers: { "last-event-id": String(events.length - 1) } }));
    assert.deepEqual(resumed.map((e) => e.event), ["completed"]);
    const job = await gw.json(`/v1/jobs/${created.body.id as string}`);
    assert.equal(job.body.status, "completed");
  });

  it("DELETE /v1/jobs/{id} cancels a running job", async () => {
    const created = await gw.json("/v1/jobs", { body: { kind: "video", route: "slow", request: { prompt: "a long take" } } });
    assert.equal(created.status, 202);
    const id = created.body.id as string;
    const stream = fetch(`${gw.url}/v1/jobs/${id}/events`).then(readSse);
    for (let i = 0; i < 100 && (await gw.json(`/v1/jobs/${id}`)).body.status !== "running"; i++) await new Promise((r) => setTimeout(r, 10));
    const cancelled = await gw.json(`/v1/jobs/${id}`, { method: "DELETE" });
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.status, "cancelled");
    assert.deepEqual((cancelled.body.error as { type: string }).type, "CancelledError");
    const events = await stream;
    assert.equal(events.at(-1)!.event, "cancelled");
    assert.match((events.at(-1)!.data.error as { message: string }).message, /cancelled/);
  });

  it("a bad request is refused at submit, naming the field", async () => {
    const res = await gw.json("/v1/jobs", { body: { kind: "image", model: "mock-image", request: { prompt: "x", quality: "ultra" } } });
    assert.equal(res.status, 400);
    assert.equal((res.body.error as { param: string }).param, "request.quality");
    const cfg = await gw.json("/v1/jobs", { body: { kind: "image", config: { model: "mock-image", baseUrl: "http://evil.example" }, request: { prompt: "x" } } });
    assert.equal(cfg.status, 400);
    assert.match((cfg.body.error as { param: string }).param, /^config/);
    const route = await gw.json("/v1/jobs", { body: { kind: "image", route: "nope", request: { prompt: "x" } } });
    assert.equal((route.body.error as { param: string }).param, "route");
    // A caller's chain is checked whole: an unknown provider or a fallback no provider serves is a 400
    // now, not a job that fails once the chain gets there.
    const provider = await gw.json("/v1/jobs", { body: { kind: "image", config: { provider: "nobody", model: "x" }, request: { prompt: "x" } } });
    assert.equal(provider.status, 400);
    assert.equal((provider.body.error as { param: string }).param, "config.provider");
    const fallback = await gw.json("/v1/jobs", {
      body: { kind: "image", config: { model: "mock-image", fallbacks: [{ model: "mock-image" }, { model: "no-such-model" }] }, request: { prompt: "x" } },
    });
    assert.equal(fallback.status, 400);
    assert.equal((fallback.body.error as { param: string }).param, "config.fallbacks.1.model");
    const missing = await gw.json("/v1/jobs/job_doesnotexist");
    assert.equal(missing.status, 404);
  });

  describe("webhooks", () => {
    let receiver: Receiver;
    before(async () => {
      receiver = await startReceiver([500, 200]);
    });
    after(() => receiver.close());

    it("are HMAC-signed and retried after a 500", async () => {
      const created = await gw.json("/v1/jobs", {
        body: { kind: "image", model: "mock-image", request: { prompt: "x", size: "32x32" }, webhook: { url: `${receiver.url}/hook`, secret: SECRET } },
      });
      assert.equal(created.status, 202);
      await receiver.next(2);
      const [first, second] = receiver.requests;
      assert.equal(first!.headers["x-tarash-delivery-attempt"], "1");
      assert.equal(second!.headers["x-tarash-delivery-attempt"], "2");
      for (const r of [first!, second!]) {
        assert.ok(verifySignature(r.headers["x-tarash-signature"] as string, r.body, SECRET), "signature verifies");
        assert.ok(!verifySignature(r.headers["x-tarash-signature"] as string, r.body, "another-secret-0000"), "a wrong secret fails");
      }
      const payload = JSON.parse(second!.body) as { type: string; data: { id: string; status: string; result: { images: { url: string }[] } } };
      assert.equal(payload.type, "job.completed");
      assert.equal(payload.data.id, created.body.id);
      assert.equal(payload.data.status, "completed");
      assert.match(payload.data.result.images[0]!.url, /\/files\//);
      await new Promise((r) => setTimeout(r, 20));
      const job = await gw.json(`/v1/jobs/${created.body.id as string}`);
      assert.deepEqual(job.body.webhook, { url: `${receiver.url}/hook`, attempts: 2, delivered: true });
    });

    it("need a secret, and private addresses are refused unless allowed", async () => {
      const noSecret = await gw.json("/v1/jobs", { body: { kind: "image", request: { prompt: "x" }, webhook: { url: `${receiver.url}/hook` } } });
      assert.equal(noSecret.status, 400);
      assert.equal((noSecret.body.error as { param: string }).param, "webhook.secret");
      const strict = await startTestServer();
      try {
        const res = await strict.json("/v1/jobs", { body: { kind: "image", request: { prompt: "x" }, webhook: { url: `${receiver.url}/hook`, secret: SECRET } } });
        assert.equal(res.status, 400);
        assert.equal((res.body.error as { param: string }).param, "webhook.url");
        const meta = await strict.json("/v1/jobs", { body: { kind: "image", request: { prompt: "x" }, webhook: { url: "http://169.254.169.254/latest", secret: SECRET } } });
        assert.equal(meta.status, 400);
      } finally {
        await strict.stop();
      }
    });
  });
});

describe("DELETE /v1/jobs/{id} with a real provider protocol", () => {
  let fal: FalFake;
  let gw: TestServer;
  before(async () => {
    fal = await startFalFake();
    fal.steps = "hang";
    gw = await startTestServer({
      mock: { enabled: false },
      providers: { fal: { apiKey: FAL_KEY, baseUrl: fal.url } },
      routes: { flux: { model: "fal/fal-ai/flux/dev", pollIntervalMs: 20, retries: 0 } },
    });
  });
  after(async () => {
    await gw.stop();
    await fal.close();
  });

  it("cancels the provider's job (fal's cancel endpoint is called with the gateway's key)", async () => {
    const created = await gw.json("/v1/jobs", { body: { kind: "image", route: "flux", request: { prompt: "a slow render" } } });
    assert.equal(created.status, 202);
    const id = created.body.id as string;
    for (let i = 0; i < 500 && fal.jobs.size === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const falJob = [...fal.jobs.values()][0]!;
    assert.equal(falJob.cancelled, false);
    const cancelled = await gw.json(`/v1/jobs/${id}`, { method: "DELETE" });
    assert.equal(cancelled.status, 200);
    for (let i = 0; i < 500 && !falJob.cancelled; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(falJob.cancelled, true, "the fal request was cancelled");
    const [call] = fal.server.calls("PUT", `/fal-ai/flux/requests/${falJob.id}/cancel`);
    assert.equal(call!.headers.authorization, `Key ${FAL_KEY}`);
    const job = await gw.json(`/v1/jobs/${id}`);
    assert.equal(job.body.status, "cancelled");
  });
});

describe("OpenAI-compatible videos", () => {
  let gw: TestServer;
  before(async () => {
    gw = await startTestServer({ mock: { enabled: true, latencyMs: 60 } });
  });
  after(() => gw.stop());

  it("videos.create / retrieve / downloadContent with the official client", async () => {
    const client = new OpenAI({ apiKey: "unused-locally", baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const video = await client.videos.create({ model: "mock-video", prompt: "waves", seconds: "4", size: "1280x720" });
    assert.equal(video.object, "video");
    assert.equal(video.model, "mock-video");
    assert.ok(["queued", "in_progress"].includes(video.status));
    assert.equal(video.seconds, "4");
    assert.equal(video.size, "1280x720");
    let current = video;
    for (let i = 0; i < 200 && current.status !== "completed" && current.status !== "failed"; i++) {
      await new Promise((r) => setTimeout(r, 20));
      current = await client.videos.retrieve(video.id);
    }
    assert.equal(current.status, "completed");
    assert.equal(current.progress, 100);
    assert.equal(current.error, null);
    const content = await client.videos.downloadContent(video.id);
    assert.equal(content.headers.get("content-type"), "video/mp4");
    const bytes = new Uint8Array(await content.arrayBuffer());
    assert.equal(Buffer.from(bytes.subarray(4, 8)).toString("latin1"), "ftyp");
  });

  it("errors: unsupported seconds names `seconds`, unknown id is 404", async () => {
    const client = new OpenAI({ apiKey: "unused-locally", baseURL: `${gw.url}/v1`, maxRetries: 0 });
    await assert.rejects(client.videos.create({ model: "mock-video", prompt: "x", seconds: "12" }), (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === "seconds");
    await assert.rejects(client.videos.retrieve("job_nope"), (e: unknown) => e instanceof OpenAI.NotFoundError);
  });
});

describe("graceful shutdown", () => {
  it("lets in-flight requests finish while refusing new connections", async () => {
    const gw = await startTestServer({ mock: { enabled: true, latencyMs: 1_500 } });
    try {
      const inflight = gw.json("/v1/images/generations", { body: { prompt: "x", size: "32x32", response_format: "b64_json" } });
      await new Promise((r) => setTimeout(r, 300));
      const closing = gw.close("deploy");
      await new Promise((r) => setTimeout(r, 50));
      await assert.rejects(fetch(`${gw.url}/healthz`), "a new connection is refused once shutdown began");
      const res = await inflight;
      assert.equal(res.status, 200);
      assert.equal((res.body.data as unknown[]).length, 1);
      await closing;
    } finally {
      await gw.stop();
    }
  });


  it("cancels in-flight jobs with a reason and delivers their webhooks", async () => {
    const receiver = await startReceiver([200]);
    const gw = await startTestServer({
      routes: { slow: { model: "mock/mock-video", mock: { latencyMs: 30_000 } } },
      webhooks: { allowPrivateNetwork: true, secret: SECRET },
    });
    try {
      const running = await gw.json("/v1/jobs", { body: { kind: "video", route: "slow", request: { prompt: "x" }, webhook: { url: receiver.url } } });
      assert.equal(running.status, 202);
      await new Promise((r) => setTimeout(r, 50));
      await gw.close("maintenance window");
      await receiver.next(1);
      const payload = JSON.parse(receiver.requests[0]!.body) as { type: string; data: { status: string; error: { message: string } } };
      assert.equal(payload.type, "job.cancelled");
      assert.match(payload.data.error.message, /maintenance window/);
      assert.ok(verifySignature(receiver.requests[0]!.headers["x-tarash-signature"] as string, receiver.requests[0]!.body, SECRET));
    } finally {
      await gw.stop();
      await receiver.close();
    }
  });
});
