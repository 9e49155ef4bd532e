import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  AuthenticationError,
  CancelledError,
  ContentModerationError,
  GenerationFailedError,
  HTTPError,
  type ProgressUpdate,
  TimeoutError,
  ValidationError,
  createGateway,
} from "../../src/index.js";
import { ALIBABA_KEY, type AlibabaFake, MM_PATH, T2I_PATH, startAlibabaFake } from "../fakes/alibaba.js";

const gateway = (extra: Parameters<typeof createGateway>[0] = {}) =>
  createGateway({ network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logLevel: "silent", ...extra });

describe("alibaba (DashScope)", () => {
  let fake: AlibabaFake;
  before(async () => {
    fake = await startAlibabaFake();
  });
  after(() => fake.close());

  const cfg = (model: string, extra: Record<string, unknown> = {}) => ({
    provider: "alibaba",
    model,
    apiKey: ALIBABA_KEY,
    baseUrl: fake.url,
    pollIntervalMs: 1,
    ...extra,
  });
  const lastJson = (method: string, path: string) => fake.server.calls(method, path).at(-1)?.json as Record<string, Record<string, unknown>>;

  describe("async text-to-image task", () => {
    it("submits with X-DashScope-Async, maps every parameter, polls to SUCCEEDED and downloads the results", async () => {
      const progress: ProgressUpdate[] = [];
      const res = await gateway().generateImage(
        cfg("wanx2.1-t2i-turbo"),
        { prompt: "a lighthouse", negativePrompt: "people", size: "1024x768", n: 2, seed: 42, enhancePrompt: true },
        { onProgress: (u) => void progress.push(u) },
      );
      const submit = fake.server.calls("POST", T2I_PATH).at(-1)!;
      assert.equal(submit.headers.authorization, `Bearer ${ALIBABA_KEY}`);
      assert.equal(submit.headers["x-dashscope-async"], "enable");
      assert.equal(submit.contentType, "application/json");
      assert.deepEqual(submit.json, {
        model: "wanx2.1-t2i-turbo",
        input: { prompt: "a lighthouse", negative_prompt: "people" },
        parameters: { size: "1024*768", n: 2, seed: 42, prompt_extend: true },
      });
      const taskId = res.providerRequestId!;
      assert.ok(fake.tasks.has(taskId));
      assert.ok(fake.server.calls("GET", `/api/v1/tasks/${taskId}`).length >= 3);
      assert.equal(res.images.length, 2);
      for (const img of res.images) {
        assert.match(img.url, /^data:image\/png;base64,/);
        assert.equal(img.mediaType, "image/png");
        assert.equal(img.revisedPrompt, "a lighthouse, cinematic lighting");
      }
      assert.equal(res.revisedPrompt, "a lighthouse, cinematic lighting");
      assert.deepEqual(res.usage, { images: 2 });
      assert.deepEqual(res.cost, { amountUsd: 0.05, basis: "per_image", estimated: true });
      assert.deepEqual(
        progress.map((p) => p.status),
        ["queued", "processing", "completed"],
      );
      assert.equal(fake.server.calls("GET", "/results/:name").length >= 2, true);
    });

    it("turns an aspect ratio into a W*H size inside the model's bounds", async () => {
      await gateway().generateImage(cfg("wan2.2-t2i-flash"), { prompt: "wide", aspectRatio: "16:9" });
      assert.equal(lastJson("POST", T2I_PATH).parameters!.size, "1360*768");
      await gateway().generateImage(cfg("wan2.5-t2i-preview"), { prompt: "tall", aspectRatio: "1:4" });
      const size = String(lastJson("POST", T2I_PATH).parameters!.size);
      const [w, h] = size.split("*").map(Number) as [number, number];
      assert.ok(w * h >= 768 * 768 && w * h <= 1440 * 1440, size);
      assert.ok(Math.abs(w / h - 0.25) < 0.02, size);
    });

    it("sends wanx-v1 styles and fixed sizes", async () => {
      await gateway().generateImage(cfg("wanx-v1"), { prompt: "cat", style: "<sketch>", aspectRatio: "16:9" });
      assert.deepEqual(lastJson("POST", T2I_PATH).parameters, { size: "1280*720", style: "<sketch>" });
    });

    it("puts extraParams and providerConfig.watermark into parameters", async () => {
      await gateway().generateImage(cfg("wan2.2-t2i-plus", { providerConfig: { watermark: false } }), {
        prompt: "p",
        extraParams: { input: { negative_prompt: "blur" }, parameters: { seed: 7 } },
      });
      const body = lastJson("POST", T2I_PATH);
      assert.deepEqual(body.parameters, { watermark: false, seed: 7 });
      assert.equal(body.input!.negative_prompt, "blur");
    });

    it("warns about a partly failed batch and returns the images that succeeded", async () => {
      const res = await gateway().generateImage(cfg("wan2.2-t2i-flash"), { prompt: "[partial] two", n: 2 });
      assert.equal(res.images.length, 1);
      assert.ok(res.warnings.some((w) => /1 of 2 images/.test(w) && /DataInspectionFailed/.test(w)), res.warnings.join("|"));
      assert.deepEqual(res.usage, { images: 1 });
    });

    it("reads the key from DASHSCOPE_API_KEY and defaults to the international host", async () => {
      const gw = gateway({ env: { DASHSCOPE_API_KEY: ALIBABA_KEY } });
      const res = await gw.generateImage({ provider: "alibaba", baseUrl: fake.url, pollIntervalMs: 1 }, { prompt: "default model" });
      assert.equal(res.model, "wan2.2-t2i-flash");
      assert.equal(fake.server.calls("POST", T2I_PATH).at(-1)!.headers.authorization, `Bearer ${ALIBABA_KEY}`);

      const seen: string[] = [];
      const fetchSpy: typeof fetch = async (input) => {
        seen.push(String(input));
        return new Response(JSON.stringify({ code: "InvalidApiKey", message: "Invalid API-key provided.", request_id: "r" }), {
          status: 401,
          headers: { "content-type": "application/json" },
        });
      };
      await assert.rejects(
        gateway({ fetch: fetchSpy }).generateImage({ provider: "alibaba", apiKey: ALIBABA_KEY }, { prompt: "x" }),
        AuthenticationError,
      );
      assert.equal(seen[0], "https://dashscope-intl.aliyuncs.com/api/v1/services/aigc/text2image/image-synthesis");
    });

    it("fails without a key, naming the env var", async () => {
      await assert.rejects(
        gateway({ env: {} }).generateImage({ provider: "alibaba", model: "wan2.2-t2i-flash", baseUrl: fake.url }, { prompt: "x" }),
        (e: unknown) => e instanceof AuthenticationError && /DASHSCOPE_API_KEY/.test(e.message),
      );
    });
  });

  describe("sync multimodal endpoint", () => {
    it("sends Qwen-Image as one user message without the async header and maps parameters", async () => {
      const res = await gateway().generateImage(cfg("qwen-image-plus"), {
        prompt: "a poster",
        negativePrompt: "blurry",
        aspectRatio: "16:9",
        seed: 3,
        enhancePrompt: false,
      });
      const call = fake.server.calls("POST", MM_PATH).at(-1)!;
      assert.equal(call.headers["x-dashscope-async"], undefined);
      assert.equal(call.headers.authorization, `Bearer ${ALIBABA_KEY}`);
      assert.deepEqual(call.json, {
        model: "qwen-image-plus",
        input: { messages: [{ role: "user", content: [{ text: "a poster" }] }] },
        parameters: { size: "1664*928", seed: 3, negative_prompt: "blurry", prompt_extend: false },
      });
      assert.equal(res.images.length, 1);
      assert.equal(res.images[0]!.mediaType, "image/png");
      assert.ok(res.providerRequestId && fake.server.calls("GET", "/results/:name").at(-1)!.path.includes(res.providerRequestId));
      assert.deepEqual(res.usage, { images: 1 });
    });

    it("splits n across calls for one-image models and merges the results", async () => {
      const before = fake.server.calls("POST", MM_PATH).length;
      const res = await gateway().generateImage(cfg("z-image-turbo"), { prompt: "two please", n: 2, size: "1024x1024" });
      const calls = fake.server.calls("POST", MM_PATH).slice(before);
      assert.equal(calls.length, 2);
      for (const c of calls) assert.deepEqual((c.json as { parameters: unknown }).parameters, { size: "1024*1024", n: 1 });
      assert.equal(res.images.length, 2);
      assert.deepEqual(res.usage, { images: 2 });
    });

    it("sends edit inputs as image items (URLs as given, bytes as data URIs) before the text", async () => {
      const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
      await gateway().generateImage(cfg("qwen-image-edit-plus"), {
        prompt: "put the hat on the cat",
        imageList: [{ image: "https://example.com/cat.png" }, { image: new Uint8Array(png) }],
      });
      const content = (lastJson("POST", MM_PATH).input!.messages as { content: Record<string, string>[] }[])[0]!.content;
      assert.equal(content.length, 3);
      assert.deepEqual(content[0], { image: "https://example.com/cat.png" });
      assert.match(content[1]!.image!, /^data:image\/png;base64,iVBOR/);
      assert.deepEqual(content[2], { text: "put the hat on the cat" });
    });

    it("refuses an edit model without an input image before calling DashScope", async () => {
      const before = fake.server.calls("POST", MM_PATH).length;
      await assert.rejects(gateway().generateImage(cfg("qwen-image-edit"), { prompt: "edit" }), (e: unknown) => e instanceof ValidationError && e.field === "imageList");
      assert.equal(fake.server.calls("POST", MM_PATH).length, before);
    });

    it("treats an error body delivered with HTTP 200 as the error it names", async () => {
      await assert.rejects(gateway().generateImage(cfg("qwen-image"), { prompt: "[ok-200-error]" }), ContentModerationError);
    });
  });

  describe("errors", () => {
    it("maps a wrong key to AuthenticationError without leaking either key", async () => {
      const lines: string[] = [];
      const gw = createGateway({ network: { allowPrivateNetwork: true }, logLevel: "debug", logger: { debug: (f, m) => lines.push(JSON.stringify([f, m])), info: (f, m) => lines.push(JSON.stringify([f, m])), warn: (f, m) => lines.push(JSON.stringify([f, m])), error: (f, m) => lines.push(JSON.stringify([f, m])) } });
      const wrong = "sk-wrong-key-0987654321";
      const err = await gw.generateImage({ ...cfg("wan2.2-t2i-flash"), apiKey: wrong }, { prompt: "x" }).catch((e: unknown) => e);
      assert.ok(err instanceof AuthenticationError);
      assert.equal(err.code, "InvalidApiKey");
      assert.equal(err.statusCode, 401);
      const ok = await gw.generateImage(cfg("wan2.2-t2i-flash"), { prompt: "fine" });
      const dump = JSON.stringify([err.message, err.rawResponse, err.toJSON(), ok.rawResponse, lines]);
      assert.ok(lines.length > 0);
      assert.ok(!dump.includes(wrong) && !dump.includes(ALIBABA_KEY));
    });

    it("maps InvalidParameter to ValidationError naming the field", async () => {
      const big = await gateway()
        .generateImage(cfg("wan2.2-t2i-flash"), { prompt: "x", extraParams: { size: "2000*2000" } })
        .catch((e: unknown) => e);
      assert.ok(big instanceof ValidationError, String(big));
      assert.equal(big.field, "size");
      assert.equal(big.code, "InvalidParameter");
      const unknown = await gateway()
        .generateImage(cfg("wan2.2-t2i-flash"), { prompt: "x", extraParams: { bogus_param: 1 } })
        .catch((e: unknown) => e);
      assert.ok(unknown instanceof ValidationError);
      assert.equal(unknown.field, "extraParams.bogus_param");
    });

    it("maps an unknown model to ValidationError on model, after sending it generically", async () => {
      const err = await gateway().generateImage(cfg("wan9-imaginary"), { prompt: "x" }).catch((e: unknown) => e);
      assert.ok(err instanceof ValidationError);
      assert.equal(err.field, "model");
      assert.equal((lastJson("POST", MM_PATH) as unknown as { model: string }).model, "wan9-imaginary");
      assert.ok(err.message.includes("Model not exist"));
    });

    it("maps moderation on submit and in a FAILED task to ContentModerationError", async () => {
      await assert.rejects(gateway().generateImage(cfg("wan2.2-t2i-flash"), { prompt: "[forbidden]" }), (e: unknown) => e instanceof ContentModerationError && e.code === "DataInspectionFailed");
      await assert.rejects(gateway().generateImage(cfg("wan2.2-t2i-flash"), { prompt: "[fail-moderation]" }), (e: unknown) => e instanceof ContentModerationError && e.code === "DataInspectionFailed");
      await assert.rejects(gateway().generateImage(cfg("wan2.2-t2i-flash"), { prompt: "[fail-ip]" }), ContentModerationError);
      await assert.rejects(gateway().generateImage(cfg("qwen-image"), { prompt: "[forbidden]" }), ContentModerationError);
    });

    it("maps other FAILED tasks to GenerationFailedError (transient for InternalError) or ValidationError", async () => {
      const before = fake.server.calls("POST", T2I_PATH).length;
      const err = await gateway().generateImage(cfg("wan2.2-t2i-flash", { maxRetries: 1 }), { prompt: "[fail-internal]" }).catch((e: unknown) => e);
      assert.ok(err instanceof GenerationFailedError && err.transient && err.code === "InternalError", String(err));
      assert.equal(fake.server.calls("POST", T2I_PATH).length - before, 2, "a transient failure is retried");
      const param = await gateway().generateImage(cfg("wan2.2-t2i-flash"), { prompt: "[fail-param]" }).catch((e: unknown) => e);
      assert.ok(param instanceof ValidationError && param.field === "size");
      const unknown = await gateway().generateImage(cfg("wan2.2-t2i-flash", { maxRetries: 0 }), { prompt: "[unknown]" }).catch((e: unknown) => e);
      assert.ok(unknown instanceof GenerationFailedError && /unknown or expired/.test(unknown.message));
    });

    it("walks PENDING → RUNNING → SUCCEEDED as queued → processing progress, and fails a task CANCELED elsewhere without retrying it", async () => {
      const progress: string[] = [];
      await gateway().generateImage(cfg("wan2.2-t2i-flash"), { prompt: "steps" }, { onProgress: (u) => void progress.push(u.status) });
      assert.deepEqual(progress.filter((s, i) => s !== progress[i - 1]), ["queued", "processing", "completed"]);
      const before = fake.server.calls("POST", T2I_PATH).length;
      const err = await gateway().generateImage(cfg("wan2.2-t2i-flash", { maxRetries: 2 }), { prompt: "[canceled]" }).catch((e: unknown) => e);
      assert.ok(err instanceof GenerationFailedError && !err.transient && /cancelled on the provider's side/.test(err.message), String(err));
      assert.equal(fake.server.calls("POST", T2I_PATH).length - before, 1);
    });

    it("retries a 429 Throttling after Retry-After, then succeeds", async () => {
      fake.server.script("POST", T2I_PATH, {
        status: 429,
        headers: { "retry-after": "0" },
        json: { request_id: "r1", code: "Throttling.RateQuota", message: "Requests rate limit exceeded, please try again later." },
      });
      const res = await gateway().generateImage(cfg("wan2.2-t2i-flash"), { prompt: "busy" });
      assert.equal(res.executionMetadata.totalAttempts, 2);
      assert.equal(res.executionMetadata.attempts[0]!.errorType, "RateLimitError");
    });

    it("retries a 500 InternalError, and a 404 on the task is an HTTPError", async () => {
      fake.server.script("POST", MM_PATH, { status: 500, json: { request_id: "r2", code: "InternalError", message: "Internal server error" } });
      const res = await gateway().generateImage(cfg("qwen-image"), { prompt: "retry me" });
      assert.equal(res.executionMetadata.totalAttempts, 2);
      fake.server.script("GET", "/api/v1/tasks/:id", { status: 404, json: { request_id: "r3", code: "NotFound", message: "task not found" } });
      const err = await gateway().generateImage(cfg("wan2.2-t2i-flash", { maxRetries: 0 }), { prompt: "lost" }).catch((e: unknown) => e);
      assert.ok(err instanceof HTTPError && err.statusCode === 404 && !err.retryable, String(err));
    });

    it("falls back to another config when DashScope keeps failing", async () => {
      fake.server.script("POST", T2I_PATH, { status: 503, json: { request_id: "r4", code: "ServiceUnavailable", message: "busy" } });
      const res = await gateway().generateImage(
        { ...cfg("wan2.2-t2i-flash", { maxRetries: 0 }), fallbacks: [{ provider: "mock", model: "mock-image", mock: { enabled: true, latencyMs: 0 } }] },
        { prompt: "fallback" },
      );
      assert.equal(res.provider, "mock");
      assert.equal(res.executionMetadata.fallbackTriggered, true);
      assert.equal(res.executionMetadata.attempts[0]!.provider, "alibaba");
    });
  });

  describe("cancellation and deadlines", () => {
    it("cancels a PENDING task on abort", async () => {
      const controller = new AbortController();
      const err = await gateway()
        .generateImage(cfg("wan2.2-t2i-flash"), { prompt: "[slow] wait" }, {
          signal: controller.signal,
          onProgress: (u) => {
            if (u.status === "queued") controller.abort();
          },
        })
        .catch((e: unknown) => e);
      assert.ok(err instanceof CancelledError, String(err));
      const task = [...fake.tasks.values()].find((t) => t.prompt === "[slow] wait")!;
      for (let i = 0; i < 100 && !task.cancelled; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(task.cancelled, true);
      const cancel = fake.server.calls("POST", `/api/v1/tasks/${task.id}/cancel`);
      assert.equal(cancel.length, 1);
      assert.equal(cancel[0]!.headers.authorization, `Bearer ${ALIBABA_KEY}`);
    });

    it("stops at timeoutMs with TimeoutError and cancels the task", async () => {
      const err = await gateway()
        .generateImage(cfg("wan2.2-t2i-flash", { timeoutMs: 150, maxRetries: 0, pollIntervalMs: 20 }), { prompt: "[slow] deadline" })
        .catch((e: unknown) => e);
      assert.ok(err instanceof TimeoutError, String(err));
      const task = [...fake.tasks.values()].find((t) => t.prompt === "[slow] deadline")!;
      for (let i = 0; i < 100 && !task.cancelled; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(task.cancelled, true);
    });
  });

  describe("the fake is strict", () => {
    const post = (path: string, headers: Record<string, string>, body: string) =>
      fetch(`${fake.url}${path}`, { method: "POST", headers, body }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, string> }));
    const auth = { authorization: `Bearer ${ALIBABA_KEY}`, "content-type": "application/json" };
    const body = JSON.stringify({ model: "wan2.2-t2i-flash", input: { prompt: "x" } });

    it("answers DashScope's errors for a missing async header, a bad key, a wrong content type and misnamed fields", async () => {
      assert.deepEqual(
        (await post(T2I_PATH, auth, body)).json.message,
        "current user api does not support synchronous calls",
      );
      assert.equal((await post(T2I_PATH, { ...auth, "x-dashscope-async": "enable", authorization: "Bearer nope" }, body)).json.code, "InvalidApiKey");
      assert.equal((await post(T2I_PATH, { ...auth, "x-dashscope-async": "enable", "content-type": "text/plain" }, body)).status, 400);
      const misnamed = await post(T2I_PATH, { ...auth, "x-dashscope-async": "enable" }, JSON.stringify({ model: "wan2.2-t2i-flash", input: { prompt: "x" }, parameters: { size: "1024x1024" } }));
      assert.equal(misnamed.json.code, "InvalidParameter");
      assert.equal((await post(MM_PATH, { ...auth, "x-dashscope-async": "enable" }, body)).json.code, "AccessDenied");
    });
  });
});
