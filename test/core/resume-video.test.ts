import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { GenerationFailedError, type SubmittedJobRef, type VideoGenerationConfig, createGateway } from "../../src/index.js";
import { LUMA_KEY, type LumaFake, PREFIX, VIDEO_PATH, startLumaFake } from "../fakes/luma.js";

/**
 * The library's two halves of a durable video call: `onSubmitted` hears the provider job before it is
 * polled, and `resumeVideo` finishes a call from that id in another process, without submitting.
 */
describe("video calls that survive their process", () => {
  let fake: LumaFake;
  const gw = createGateway({ network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logLevel: "silent" });
  before(async () => {
    fake = await startLumaFake();
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.server.requests.length = 0;
  });
  const cfg = (extra: Partial<VideoGenerationConfig> = {}): VideoGenerationConfig => ({ provider: "luma", model: "ray-2", apiKey: LUMA_KEY, baseUrl: fake.url, pollIntervalMs: 1, ...extra });
  const polls = () => fake.server.requests.filter((r) => r.method === "GET" && r.path.startsWith(`${PREFIX}/generations/`)).length;

  it("onSubmitted is awaited with the provider job's id before the first status check", async () => {
    const heard: { ref: SubmittedJobRef; pollsSoFar: number }[] = [];
    const res = await gw.generateVideo(cfg(), { prompt: "a harbour" }, {
      onSubmitted: async (ref) => {
        await new Promise((r) => setTimeout(r, 30));
        heard.push({ ref, pollsSoFar: polls() });
      },
    });
    assert.equal(heard.length, 1);
    assert.equal(heard[0]!.pollsSoFar, 0, "nothing was polled before the id was stored");
    assert.deepEqual([heard[0]!.ref.provider, heard[0]!.ref.model, heard[0]!.ref.providerJobId], ["luma", "ray-2", res.providerRequestId]);
    assert.match(heard[0]!.ref.jobId, /^vj_/);
  });

  it("a throwing onSubmitted cancels the provider job and fails without a second submit", async () => {
    await assert.rejects(
      gw.generateVideo(cfg({ maxRetries: 2 }), { prompt: "a harbour" }, {
        onSubmitted: () => {
          throw new Error("database down");
        },
      }),
      (e: unknown) => e instanceof GenerationFailedError && /could not be recorded and was cancelled: database down/.test(e.message),
    );
    assert.equal(fake.server.calls("POST", VIDEO_PATH).length, 1, "not submitted again");
    const id = [...fake.generations.keys()].at(-1)!;
    assert.equal(fake.generations.get(id)!.deleted, true, "the unrecorded provider job was stopped");
  });

  it("resumeVideo polls the recorded job to the end and submits nothing", async () => {
    const submitted = await gw.submitVideo(cfg(), { prompt: "a lighthouse", durationSeconds: 5 });
    fake.server.requests.length = 0;
    const progress: string[] = [];
    const res = await gw.resumeVideo(cfg({ fallbacks: [{ model: "mock/mock-video" }] }), { prompt: "a lighthouse", durationSeconds: 5 }, submitted.jobId, {
      onProgress: (u) => void progress.push(u.status),
    });
    assert.equal(fake.server.calls("POST", VIDEO_PATH).length, 0, "no submit");
    assert.equal(res.providerRequestId, submitted.providerJobId);
    assert.equal(res.provider, "luma");
    assert.match(res.video.url, /^http/);
    assert.equal(res.executionMetadata.configsInChain, 1, "no fallbacks: each would be a new, billed job");
    assert.equal(progress.at(-1), "completed");
  });

  it("resumeVideo of a job the provider failed ends in that failure, not a new submit", async () => {
    const submitted = await gw.submitVideo(cfg({ maxRetries: 3 }), { prompt: "[fail-internal] a storm" });
    fake.server.requests.length = 0;
    await assert.rejects(gw.resumeVideo(cfg({ maxRetries: 3 }), { prompt: "[fail-internal] a storm" }, submitted.jobId), GenerationFailedError);
    assert.equal(fake.server.calls("POST", VIDEO_PATH).length, 0);
  });
});
