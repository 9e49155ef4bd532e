import { SERVED_ON } from "../helpers/served-on.js";
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  AuthenticationError,
  CancelledError,
  ContentModerationError,
  HTTPError,
  RateLimitError,
  TimeoutError,
  ValidationError,
  createGateway,
  estimateCost,
} from "../../src/index.js";
import { parseDataUrl } from "../../src/core/media/tools.js";
import { type FakeServer, ONE_PIXEL_PNG, type RecordedRequest } from "../helpers/fake-server.js";
import { BLOCKED_WORD, openAIError, startOpenAIFake } from "../fakes/openai.js";
import { XAI_KEY, startXaiFake } from "../fakes/xai.js";

const KEY = "test-key-1234567890";
const gw = createGateway({ now: SERVED_ON, network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logLevel: "silent", env: {} });

let fake: FakeServer;
const cfg = (model: string, extra: Record<string, unknown> = {}) => ({ provider: "openai", model, apiKey: KEY, baseUrl: fake.url, ...extra });
const only = (method: string, path: string): RecordedRequest => {
  const calls = fake.calls(method, path);
  assert.equal(calls.length, 1, `expected one ${method} ${path}, got ${calls.length}`);
  return calls[0]!;
};
const body = (r: RecordedRequest) => r.json as Record<string, unknown>;
const formValues = (r: RecordedRequest) => {
  const out: Record<string, string[]> = {};
  for (const [k, v] of r.form!.entries()) (out[k] ??= []).push(typeof v === "string" ? v : `file:${v.type}:${v.size}`);
  return out;
};

describe("openai images", () => {
  before(async () => {
    fake = await startOpenAIFake({ apiKey: KEY });
  });
  after(() => fake.close());
  beforeEach(() => fake.requests.splice(0));

  it("gpt-image-1 generation: JSON on the wire, mapped fields, extraParams verbatim, no response_format", async () => {
    const progress: string[] = [];
    const res = await gw.generateImage(
      cfg("gpt-image-1"),
      {
        prompt: "a red fox in snow",
        size: "1536x1024",
        quality: "low",
        n: 2,
        outputFormat: "webp",
        extraParams: { background: "opaque", output_compression: 80, moderation: "low" },
      },
      { onProgress: (u) => void progress.push(u.status) },
    );
    const req = only("POST", "/images/generations");
    assert.equal(req.headers.authorization, `Bearer ${KEY}`);
    assert.equal(req.contentType, "application/json");
    assert.deepEqual(body(req), {
      model: "gpt-image-1",
      prompt: "a red fox in snow",
      n: 2,
      size: "1536x1024",
      quality: "low",
      output_format: "webp",
      background: "opaque",
      output_compression: 80,
      moderation: "low",
    });
    assert.equal(res.images.length, 2);
    assert.equal(res.images[0]!.mediaType, "image/webp");
    assert.match(res.images[0]!.url, /^data:image\/webp;base64,/);
    assert.equal(res.providerRequestId?.startsWith("req_fake_"), true);
    // 272 low-quality tokens per image; 5 prompt words as input.
    assert.deepEqual(res.usage, { images: 2, inputTokens: 5, outputTokens: 544, totalTokens: 549, inputImageTokens: 0 });
    assert.deepEqual(res.cost, {
      amountUsd: (544 * 40 + 5 * 5) / 1e6,
      basis: "per_token",
      estimated: false,
      breakdown: { output: { amountUsd: 0.02176, tokens: 544, estimated: false }, inputText: { amountUsd: 0.000025, tokens: 5, estimated: false } },
    });
    assert.deepEqual(progress, ["processing", "completed"]);
    assert.ok(!JSON.stringify(res.rawResponse).includes(ONE_PIXEL_PNG.toString("base64").slice(0, 20)), "rawResponse omits base64");
  });

  it("defaults to gpt-image-2 when the config names only the provider", async () => {
    const res = await gw.generateImage({ provider: "openai", apiKey: KEY, baseUrl: fake.url }, { prompt: "default model" });
    assert.equal(res.model, "gpt-image-2");
    assert.equal(body(only("POST", "/images/generations")).model, "gpt-image-2");
  });

  it("dall-e-3: style, hd quality, wide size, response_format b64_json, revised prompt; n=3 split into 3 calls with summed cost", async () => {
    const res = await gw.generateImage(cfg("dall-e-3"), { prompt: "a lighthouse", size: "1792x1024", quality: "hd", style: "natural", n: 3 });
    const calls = fake.calls("POST", "/images/generations");
    assert.equal(calls.length, 3);
    for (const c of calls) {
      assert.deepEqual(body(c), { model: "dall-e-3", prompt: "a lighthouse", n: 1, size: "1792x1024", quality: "hd", style: "natural", response_format: "b64_json" });
    }
    assert.equal(res.images.length, 3);
    assert.equal(res.images[0]!.mediaType, "image/png");
    assert.equal(res.images[0]!.revisedPrompt, "A detailed rendering of a lighthouse");
    assert.equal(res.revisedPrompt, "A detailed rendering of a lighthouse");
    assert.deepEqual(res.cost, { amountUsd: 0.36, basis: "per_image", estimated: true });
    assert.deepEqual(res.usage, { images: 3 });
  });

  it("maps aspectRatio to the model's size (gpt-image-1 3:2 → 1536x1024)", async () => {
    await gw.generateImage(cfg("gpt-image-1"), { prompt: "wide", aspectRatio: "3:2" });
    assert.equal(body(only("POST", "/images/generations")).size, "1536x1024");
  });

  it("gpt-image-2 sizes freely: aspectRatio + resolution tier become WxH within its limits", async () => {
    await gw.generateImage(cfg("gpt-image-2"), { prompt: "a", aspectRatio: "16:9", resolution: "4K" });
    await gw.generateImage(cfg("gpt-image-2"), { prompt: "b", aspectRatio: "1:1", resolution: "2K" });
    await gw.generateImage(cfg("gpt-image-2"), { prompt: "c", size: "2048x1152" });
    const sizes = fake.calls("POST", "/images/generations").map((c) => body(c).size);
    assert.deepEqual(sizes, ["3840x2160", "2048x2048", "2048x1152"]);
  });

  it("edits with several images and a mask: multipart image[] files, mask, fields, usage with input image tokens", async () => {
    const res = await gw.generateImage(cfg("gpt-image-1"), {
      prompt: "put them together",
      imageList: [{ image: ONE_PIXEL_PNG }, { image: `data:image/png;base64,${ONE_PIXEL_PNG.toString("base64")}` }],
      maskImage: ONE_PIXEL_PNG,
      size: "1024x1024",
      quality: "high",
      extraParams: { input_fidelity: "high" },
    });
    const req = only("POST", "/images/edits");
    assert.equal(req.contentType, "multipart/form-data");
    assert.equal(req.headers.authorization, `Bearer ${KEY}`);
    const f = formValues(req);
    assert.equal(f["image[]"]?.length, 2);
    assert.match(f["image[]"]![0]!, /^file:image\/png:/);
    assert.match(f.mask![0]!, /^file:image\/png:/);
    assert.deepEqual(
      { prompt: f.prompt, model: f.model, size: f.size, quality: f.quality, input_fidelity: f.input_fidelity },
      { prompt: ["put them together"], model: ["gpt-image-1"], size: ["1024x1024"], quality: ["high"], input_fidelity: ["high"] },
    );
    assert.equal(f.response_format, undefined);
    assert.equal(res.usage?.inputImageTokens, 646);
    assert.equal(res.usage?.outputTokens, 4160);
  });

  it("dall-e-2 edit sends one file as `image` and asks for b64_json", async () => {
    const res = await gw.generateImage(cfg("dall-e-2"), { prompt: "add a hat", imageList: [{ image: ONE_PIXEL_PNG }], size: "512x512" });
    const f = formValues(only("POST", "/images/edits"));
    assert.equal(f.image?.length, 1);
    assert.equal(f["image[]"], undefined);
    assert.deepEqual(f.response_format, ["b64_json"]);
    assert.deepEqual(f.size, ["512x512"]);
    assert.deepEqual(res.cost, { amountUsd: 0.018, basis: "per_image", estimated: true });
  });

  it("dall-e-2 variations via extraParams.operation (and providerConfig.operation): no prompt, no operation field", async () => {
    const res = await gw.generateImage(cfg("dall-e-2"), { prompt: "ignored", imageList: [{ image: ONE_PIXEL_PNG }], n: 2, extraParams: { operation: "variation" } });
    const f = formValues(only("POST", "/images/variations"));
    assert.equal(f.prompt, undefined);
    assert.equal(f.operation, undefined);
    assert.deepEqual({ n: f.n, model: f.model, response_format: f.response_format }, { n: ["2"], model: ["dall-e-2"], response_format: ["b64_json"] });
    assert.equal(res.images.length, 2);
    assert.ok(res.warnings.some((w) => w.includes("prompt was not sent")));
    await gw.generateImage(cfg("dall-e-2", { providerConfig: { operation: "variation" } }), { prompt: "x", imageList: [{ image: ONE_PIXEL_PNG }] });
    assert.equal(fake.calls("POST", "/images/variations").length, 2);
  });

  it("refuses variations on a GPT image model before calling OpenAI", async () => {
    await assert.rejects(
      gw.generateImage(cfg("gpt-image-1"), { prompt: "x", imageList: [{ image: ONE_PIXEL_PNG }], extraParams: { operation: "variation" } }),
      (e: unknown) => e instanceof ValidationError && e.field === "extraParams.operation",
    );
    assert.equal(fake.requests.length, 0);
  });

  it("sends OpenAI-Organization and OpenAI-Project from providerConfig", async () => {
    await gw.generateImage(cfg("gpt-image-1-mini", { providerConfig: { organization: "org-1", project: "proj_2" } }), { prompt: "x" });
    const req = only("POST", "/images/generations");
    assert.equal(req.headers["openai-organization"], "org-1");
    assert.equal(req.headers["openai-project"], "proj_2");
  });

  it("background / outputCompression / moderation as top-level fields reach GPT image models under OpenAI's names", async () => {
    await gw.generateImage(cfg("gpt-image-1-mini"), { prompt: "a sticker", outputFormat: "webp", background: "transparent", outputCompression: 60, moderation: "low" });
    await gw.generateImage(cfg("gpt-image-1"), { prompt: "raw names", extraParams: { output_format: "jpeg", output_compression: 50 } });
    assert.deepEqual(body(fake.calls("POST", "/images/generations")[1]!), { model: "gpt-image-1", prompt: "raw names", output_format: "jpeg", output_compression: 50 });
    assert.deepEqual(body(fake.calls("POST", "/images/generations")[0]!), {
      model: "gpt-image-1-mini",
      prompt: "a sticker",
      output_format: "webp",
      background: "transparent",
      output_compression: 60,
      moderation: "low",
    });
  });

  it("GPT-image-only fields are refused per model and operation before calling OpenAI (strict), or dropped with a warning (coerce)", async () => {
    const refused = async (model: string, request: Record<string, unknown>, field: string, pattern: RegExp, allowed?: unknown[]) => {
      await assert.rejects(gw.generateImage(cfg(model), { prompt: "x", ...request }), (e: unknown) => {
        assert.ok(e instanceof ValidationError, String(e));
        assert.equal(e.field, field);
        assert.match(e.message, pattern);
        if (allowed) assert.deepEqual(e.issues[0]?.allowed, allowed);
        return true;
      });
    };
    await refused("dall-e-3", { background: "opaque" }, "extraParams.background", /only GPT image models take background/);
    await refused("gpt-image-1", { background: "clear" }, "extraParams.background", /transparent, opaque, auto/, ["transparent", "opaque", "auto"]);
    await refused("gpt-image-1", { background: "transparent", outputFormat: "jpeg" }, "extraParams.background", /png or webp/, ["png", "webp"]);
    await refused("gpt-image-1", { extraParams: { output_compression: 80 } }, "extraParams.output_compression", /jpeg and webp/);
    await refused("gpt-image-1", { outputFormat: "jpeg", outputCompression: 101 }, "extraParams.outputCompression", /0 to 100/);
    await refused("gpt-image-1", { moderation: "strict" }, "extraParams.moderation", /auto, low/, ["auto", "low"]);
    await refused("gpt-image-1", { moderation: "low", imageList: [{ image: ONE_PIXEL_PNG }] }, "extraParams.moderation", /generations only/);
    assert.equal(fake.requests.length, 0);

    const res = await gw.generateImage(cfg("dall-e-3", { validation: "coerce" }), { prompt: "x", background: "transparent", moderation: "low" });
    const sent = body(only("POST", "/images/generations"));
    assert.equal(sent.background, undefined);
    assert.equal(sent.moderation, undefined);
    assert.ok(res.warnings.some((w) => /extraParams\.background was not sent: only GPT image models/.test(w)), res.warnings.join("; "));
    assert.ok(res.warnings.some((w) => /extraParams\.moderation was not sent/.test(w)));
  });

  it("gpt-image n above OpenAI's 10 per call: parallel calls, images and token usage merged, token costs summed", async () => {
    const res = await gw.generateImage(cfg("gpt-image-1"), { prompt: "many small foxes", quality: "low", n: 12 });
    const ns = fake.calls("POST", "/images/generations").map((c) => Number(body(c).n)).sort((a, b) => a - b);
    assert.deepEqual(ns, [2, 10]);
    assert.equal(res.images.length, 12);
    // 272 output tokens per low-quality image; 3 prompt words as input on each of the two calls.
    assert.deepEqual(res.usage, { images: 12, inputTokens: 6, outputTokens: 272 * 12, totalTokens: 6 + 272 * 12, inputImageTokens: 0 });
    assert.equal(res.cost?.basis, "per_token");
    assert.equal(res.cost?.estimated, false);
    assert.ok(Math.abs(res.cost!.amountUsd - (272 * 12 * 40 + 6 * 5) / 1e6) < 1e-12, String(res.cost?.amountUsd));
    assert.equal(res.providerRequestId?.split(",").length, 2);
  });

  it("a response_format pushed to gpt-image via extraParams gets the real 400 unknown_parameter → ValidationError naming it", async () => {
    await assert.rejects(gw.generateImage(cfg("gpt-image-1.5"), { prompt: "x", extraParams: { response_format: "url" } }), (e: unknown) => {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.statusCode, 400);
      assert.equal(e.field, "response_format");
      assert.equal(e.code, "unknown_parameter");
      assert.match(e.message, /Unknown parameter: 'response_format'/);
      return true;
    });
    assert.equal(fake.calls("POST", "/images/generations").length, 1, "validation errors are not retried");
  });

  it("unknown gpt-image ids pass through generically (no response_format) and a 404 model_not_found is an HTTPError", async () => {
    await assert.rejects(gw.generateImage(cfg("gpt-image-9"), { prompt: "future" }), (e: unknown) => {
      assert.ok(e instanceof HTTPError);
      assert.equal(e.statusCode, 404);
      assert.match(e.message, /does not exist/);
      return true;
    });
    const req = only("POST", "/images/generations");
    assert.deepEqual(body(req), { model: "gpt-image-9", prompt: "future" });
  });

  it("wrong key → AuthenticationError with OpenAI's message; the key is in no error, rawResponse or log line", async () => {
    const lines: string[] = [];
    const sink = (level: string) => (fields: Record<string, unknown>, msg: string) => void lines.push(`${level} ${msg} ${JSON.stringify(fields)}`);
    const logged = createGateway({ now: SERVED_ON,
      network: { allowPrivateNetwork: true },
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
      logger: { debug: sink("debug"), info: sink("info"), warn: sink("warn"), error: sink("error") },
    });
    const wrong = "sk-wrong-key-0987654321";
    const err = await logged.generateImage(cfg("gpt-image-1", { apiKey: wrong }), { prompt: "x" }).catch((e: unknown) => e);
    assert.ok(err instanceof AuthenticationError);
    assert.equal(err.statusCode, 401);
    assert.match(err.message, /Incorrect API key provided/);
    assert.equal(fake.calls("POST", "/images/generations").length, 1, "auth errors are not retried");
    const everything = `${err.message} ${JSON.stringify(err.rawResponse)} ${JSON.stringify(err)} ${lines.join("\n")}`;
    assert.ok(lines.length > 0, "debug logging captured something");
    assert.ok(!everything.includes(wrong));
    const ok = await logged.generateImage(cfg("gpt-image-1"), { prompt: "x" });
    assert.ok(!`${JSON.stringify(ok.rawResponse)} ${lines.join("\n")}`.includes(KEY));
  });

  it("no key at all → AuthenticationError naming OPENAI_API_KEY, nothing sent", async () => {
    await assert.rejects(gw.generateImage({ provider: "openai", model: "gpt-image-1", baseUrl: fake.url }, { prompt: "x" }), (e: unknown) => {
      return e instanceof AuthenticationError && /OPENAI_API_KEY/.test(e.message);
    });
    assert.equal(fake.requests.length, 0);
  });

  it("403 → AuthenticationError", async () => {
    fake.script("POST", "/images/generations", openAIError(403, "Project proj_x does not have access to model gpt-image-1", null, "model_not_allowed"));
    await assert.rejects(gw.generateImage(cfg("gpt-image-1"), { prompt: "x" }), (e: unknown) => e instanceof AuthenticationError && e.statusCode === 403);
  });

  it("429 with Retry-After is retried, then succeeds", async () => {
    fake.script("POST", "/images/generations", {
      ...openAIError(429, "Rate limit reached for gpt-image-1 on images per minute.", null, "rate_limit_exceeded", "requests"),
      headers: { "retry-after": "0", "retry-after-ms": "5" },
    });
    const res = await gw.generateImage(cfg("gpt-image-1"), { prompt: "x" });
    assert.equal(fake.calls("POST", "/images/generations").length, 2);
    assert.equal(res.executionMetadata.totalAttempts, 2);
    assert.equal(res.executionMetadata.attempts[0]!.errorType, "RateLimitError");
  });

  it("429 on every attempt ends in RateLimitError carrying retryAfterMs", async () => {
    const limited = { ...openAIError(429, "You exceeded your current quota.", null, "insufficient_quota", "insufficient_quota"), headers: { "retry-after-ms": "3" } };
    fake.script("POST", "/images/generations", limited, limited);
    await assert.rejects(gw.generateImage(cfg("gpt-image-1", { maxRetries: 1 }), { prompt: "x" }), (e: unknown) => {
      return e instanceof RateLimitError && e.retryAfterMs === 3 && e.code === "insufficient_quota";
    });
  });

  it("5xx is retried", async () => {
    fake.script("POST", "/images/generations", openAIError(500, "The server had an error while processing your request.", null, null, "server_error"), {
      status: 503,
      body: "upstream connect error",
    });
    const res = await gw.generateImage(cfg("gpt-image-1"), { prompt: "x" });
    assert.equal(res.executionMetadata.totalAttempts, 3);
  });

  it("content_policy_violation (dall-e) and moderation_blocked (gpt-image) → ContentModerationError, not retried, no fallback", async () => {
    const withFallback = (model: string) => cfg(model, { fallbacks: [{ provider: "mock", mock: { latencyMs: 0 } }] });
    await assert.rejects(gw.generateImage(withFallback("dall-e-3"), { prompt: `a ${BLOCKED_WORD} thing` }), (e: unknown) => {
      return e instanceof ContentModerationError && e.code === "content_policy_violation" && /safety system/.test(e.message);
    });
    await assert.rejects(gw.generateImage(withFallback("gpt-image-1"), { prompt: `a ${BLOCKED_WORD} thing` }), (e: unknown) => {
      return e instanceof ContentModerationError && e.code === "moderation_blocked" && e.executionMetadata?.totalAttempts === 1;
    });
    assert.equal(fake.calls("POST", "/images/generations").length, 2);
  });

  it("falls back to another provider when OpenAI keeps failing", async () => {
    fake.script("POST", "/images/generations", { status: 502, body: "<html>bad gateway</html>" });
    const res = await gw.generateImage(cfg("gpt-image-1", { maxRetries: 0, fallbacks: [{ provider: "mock", mock: { latencyMs: 0 } }] }), { prompt: "x", size: "1024x1024" });
    assert.equal(res.provider, "mock");
    assert.equal(res.executionMetadata.fallbackTriggered, true);
    assert.equal(res.executionMetadata.attempts[0]!.provider, "openai");
    assert.equal(res.executionMetadata.attempts[0]!.statusCode, 502);
  });

  it("falls back across real adapters: OpenAI's 429 → xAI answers, with xAI's request on the wire", async () => {
    const xai = await startXaiFake();
    try {
      fake.script("POST", "/images/generations", { ...openAIError(429, "Rate limit reached.", null, "rate_limit_exceeded"), headers: { "retry-after": "0" } });
      const res = await gw.generateImage(
        cfg("gpt-image-1", { maxRetries: 0, fallbacks: [{ provider: "xai", model: "grok-imagine-image", apiKey: XAI_KEY, baseUrl: `${xai.url}/v1` }] }),
        { prompt: "a lighthouse", aspectRatio: "3:2" },
      );
      assert.equal(res.provider, "xai");
      assert.equal(res.images.length, 1);
      assert.deepEqual(res.executionMetadata.attempts.map((a) => [a.provider, a.status, a.errorType]), [
        ["openai", "failed", "RateLimitError"],
        ["xai", "success", undefined],
      ]);
      assert.equal(body(only("POST", "/images/generations")).size, "1536x1024");
      assert.equal((xai.calls("POST", "/v1/images/generations")[0]!.json as Record<string, unknown>).aspect_ratio, "3:2");
    } finally {
      await xai.close();
    }
  });

  it("cancels an in-flight call via AbortSignal", async () => {
    fake.script("POST", "/images/generations", { delayMs: 2_000, json: {} });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 30);
    await assert.rejects(gw.generateImage(cfg("gpt-image-1"), { prompt: "x" }, { signal: controller.signal }), CancelledError);
    assert.ok(Date.now() - started < 1_000);
    assert.equal(fake.calls("POST", "/images/generations").length, 1);
  });

  it("honours timeoutMs per attempt", async () => {
    fake.script("POST", "/images/generations", { delayMs: 2_000, json: {} });
    await assert.rejects(gw.generateImage(cfg("gpt-image-1", { timeoutMs: 50, maxRetries: 0 }), { prompt: "x" }), TimeoutError);
  });

  it("rejects values the catalog does not allow before calling OpenAI", async () => {
    await assert.rejects(gw.generateImage(cfg("dall-e-3"), { prompt: "x", quality: "low" }), (e: unknown) => e instanceof ValidationError && e.field === "quality");
    await assert.rejects(gw.generateImage(cfg("gpt-image-1"), { prompt: "x", style: "vivid" }), (e: unknown) => e instanceof ValidationError && e.field === "style");
    assert.equal(fake.requests.length, 0);
  });

  it("estimates cost from the catalog before a call", () => {
    assert.equal(gw.estimateCost({ model: "dall-e-3" }, { prompt: "x", quality: "hd", size: "1024x1792", n: 2 })?.amountUsd, 0.24);
    assert.equal(gw.estimateCost({ model: "gpt-image-1" }, { prompt: "x" })?.amountUsd, 0.167005);
    // The default gateway (real clock) prices the default model from OpenAI's gpt-image-2 table: high 1024² $0.211.
    assert.equal(estimateCost({}, { prompt: "x", quality: "high", size: "1024x1024" })?.amountUsd, 0.211005);
  });

  it("returns decodable PNG bytes for dall-e", async () => {
    const res = await gw.generateImage(cfg("dall-e-2"), { prompt: "x", size: "256x256" });
    assert.deepEqual(Buffer.from(parseDataUrl(res.images[0]!.url, "url").data), ONE_PIXEL_PNG);
  });
});
