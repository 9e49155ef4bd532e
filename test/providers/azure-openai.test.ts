import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  AuthenticationError,
  CancelledError,
  ContentModerationError,
  HTTPError,
  RateLimitError,
  ValidationError,
  createGateway,
} from "../../src/index.js";
import { type FakeServer, ONE_PIXEL_PNG, type RecordedRequest } from "../helpers/fake-server.js";
import { MODERATION_WORD, startAzureOpenAIFake } from "../fakes/azure-openai.js";
import { BLOCKED_WORD } from "../fakes/openai.js";
import { SERVED_ON } from "../helpers/served-on.js";

const KEY = "test-key-1234567890";
const TOKEN = "entra-token-abcdefghijklmnop";
// Wire-format tests on gpt-image-1 and dall-e-3 deployments: run on a day Azure still served them.
const gw = createGateway({ now: SERVED_ON, network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logLevel: "silent", env: {} });

let fake: FakeServer;
const cfg = (model: string, providerConfig: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  provider: "azure-openai",
  model,
  apiKey: KEY,
  baseUrl: fake.url,
  providerConfig,
  ...extra,
});
const only = (): RecordedRequest => {
  assert.equal(fake.requests.length, 1, `expected one request, got ${fake.requests.map((r) => r.path).join(", ")}`);
  return fake.requests[0]!;
};
const body = (r: RecordedRequest) => r.json as Record<string, unknown>;

describe("azure-openai images", () => {
  before(async () => {
    fake = await startAzureOpenAIFake({
      apiKey: KEY,
      accessToken: TOKEN,
      deployments: {
        "my-dalle": "dall-e-3",
        "img-prod": "gpt-image-1",
        "gpt-image-1": "gpt-image-1",
        "gpt-image-1.5-2025-12-16": "gpt-image-1.5",
      },
    });
  });
  after(() => fake.close());
  beforeEach(() => fake.requests.splice(0));

  it("deployments surface: URL with deployment and api-version, api-key header, no model in the body, dall-e-3 mapping", async () => {
    const res = await gw.generateImage(cfg("dall-e-3", { deployment: "my-dalle", apiVersion: "2024-10-21" }), {
      prompt: "a harbour at dawn",
      size: "1024x1792",
      quality: "hd",
      style: "vivid",
    });
    const req = only();
    assert.equal(req.path, "/openai/deployments/my-dalle/images/generations");
    assert.equal(req.query.get("api-version"), "2024-10-21");
    assert.equal(req.headers["api-key"], KEY);
    assert.equal(req.headers.authorization, undefined);
    assert.deepEqual(body(req), { prompt: "a harbour at dawn", size: "1024x1792", quality: "hd", style: "vivid", response_format: "b64_json" });
    assert.equal(res.images[0]!.revisedPrompt, "A detailed rendering of a harbour at dawn");
    assert.equal(res.revisedPrompt, "A detailed rendering of a harbour at dawn");
    assert.match(res.providerRequestId ?? "", /^apim-\d+$/);
    assert.deepEqual(res.cost, { amountUsd: 0.12, basis: "per_image", estimated: true });
    const raw = res.rawResponse as { data: { content_filter_results?: unknown }[] };
    assert.ok(raw.data[0]!.content_filter_results, "Azure filter annotations stay in rawResponse");
  });

  it("a named deployment without apiVersion uses the deployments surface with the default preview version", async () => {
    await gw.generateImage(cfg("gpt-image-1", { deployment: "img-prod" }), { prompt: "x", quality: "medium", outputFormat: "jpeg" });
    const req = only();
    assert.equal(req.path, "/openai/deployments/img-prod/images/generations");
    assert.equal(req.query.get("api-version"), "2025-04-01-preview");
    assert.deepEqual(body(req), { prompt: "x", quality: "medium", output_format: "jpeg" });
  });

  it("v1 surface by default: /openai/v1, deployment (= model) in the body, no api-version; token usage and cost", async () => {
    const progress: string[] = [];
    const res = await gw.generateImage(cfg("gpt-image-1"), { prompt: "two words", n: 2, quality: "low" }, { onProgress: (u) => void progress.push(u.status) });
    assert.deepEqual(progress, ["processing", "completed"]);
    const req = only();
    assert.equal(req.path, "/openai/v1/images/generations");
    assert.equal(req.query.get("api-version"), null);
    assert.deepEqual(body(req), { model: "gpt-image-1", prompt: "two words", n: 2, quality: "low" });
    assert.deepEqual(res.usage, { images: 2, inputTokens: 2, outputTokens: 544, totalTokens: 546, inputImageTokens: 0 });
    assert.deepEqual(res.cost, {
      amountUsd: (544 * 40 + 2 * 5) / 1e6,
      basis: "per_token",
      estimated: false,
      breakdown: { output: { amountUsd: 0.02176, tokens: 544, estimated: false }, inputText: { amountUsd: 0.00001, tokens: 2, estimated: false } },
    });
  });

  it("v1 surface with a deployment name and api-version=preview; a baseUrl ending in /openai is accepted", async () => {
    await gw.generateImage(
      { ...cfg("gpt-image-1", { surface: "v1", deployment: "img-prod", apiVersion: "preview" }), baseUrl: `${fake.url}/openai` },
      { prompt: "x" },
    );
    const req = only();
    assert.equal(req.path, "/openai/v1/images/generations");
    assert.equal(req.query.get("api-version"), "preview");
    assert.equal(body(req).model, "img-prod");
  });

  it("providerConfig.endpoint and AZURE_OPENAI_API_KEY from the environment", async () => {
    const envGw = createGateway({ now: SERVED_ON, network: { allowPrivateNetwork: true }, logLevel: "silent", env: { AZURE_OPENAI_API_KEY: KEY } });
    await envGw.generateImage({ provider: "azure-openai", model: "gpt-image-1", providerConfig: { endpoint: fake.url } }, { prompt: "x" });
    assert.equal(only().headers["api-key"], KEY);
  });

  it("with no endpoint anywhere → ValidationError naming providerConfig.endpoint, nothing sent", async () => {
    const saved = process.env.AZURE_OPENAI_ENDPOINT;
    delete process.env.AZURE_OPENAI_ENDPOINT;
    try {
      await assert.rejects(
        gw.generateImage({ provider: "azure-openai", model: "gpt-image-1", apiKey: KEY }, { prompt: "x" }),
        (e: unknown) => e instanceof ValidationError && e.field === "providerConfig.endpoint",
      );
    } finally {
      if (saved !== undefined) process.env.AZURE_OPENAI_ENDPOINT = saved;
    }
    assert.equal(fake.requests.length, 0);
  });

  it("edits go to the deployment's /images/edits as multipart", async () => {
    await gw.generateImage(cfg("gpt-image-1", { deployment: "img-prod", apiVersion: "2025-04-01-preview" }), {
      prompt: "restyle",
      imageList: [{ image: ONE_PIXEL_PNG }],
      maskImage: ONE_PIXEL_PNG,
    });
    const req = only();
    assert.equal(req.path, "/openai/deployments/img-prod/images/edits");
    assert.equal(req.contentType, "multipart/form-data");
    assert.equal(req.form?.getAll("image").length, 1);
    assert.ok(req.form?.get("mask") instanceof File);
    assert.equal(req.form?.get("model"), null);
    assert.equal(req.form?.get("response_format"), null);
  });

  it("date-suffixed deployment ids map generically as GPT image (no response_format)", async () => {
    const res = await gw.generateImage(cfg("gpt-image-1.5-2025-12-16"), { prompt: "x" });
    const req = only();
    assert.deepEqual(body(req), { model: "gpt-image-1.5-2025-12-16", prompt: "x" });
    assert.ok(res.warnings.some((w) => w.includes("not in the azure-openai catalog")));
  });

  it("Microsoft Entra token goes as Authorization: Bearer and never shows in errors", async () => {
    await gw.generateImage({ ...cfg("gpt-image-1", { accessToken: TOKEN }), apiKey: undefined }, { prompt: "x" });
    const req = only();
    assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(req.headers["api-key"], undefined);
    const err = await gw.generateImage({ ...cfg("gpt-image-1", { accessToken: `${TOKEN}-stale` }), apiKey: undefined }, { prompt: "x" }).catch((e: unknown) => e);
    assert.ok(err instanceof AuthenticationError);
    assert.ok(!JSON.stringify({ m: err.message, r: err.rawResponse, j: err }).includes(TOKEN));
  });

  it("content filter bodies → ContentModerationError (contentFilter, content_filter + ResponsibleAIPolicyViolation, moderation_blocked)", async () => {
    const cases: [string, string, string][] = [
      ["dall-e-3", `a ${BLOCKED_WORD} scene`, "contentFilter"],
      ["gpt-image-1", `a ${BLOCKED_WORD} scene`, "content_filter"],
      ["gpt-image-1", `a ${MODERATION_WORD} scene`, "moderation_blocked"],
    ];
    for (const [model, prompt, code] of cases) {
      const deployment = model === "dall-e-3" ? "my-dalle" : "img-prod";
      await assert.rejects(gw.generateImage(cfg(model, { deployment }), { prompt }), (e: unknown) => {
        assert.ok(e instanceof ContentModerationError, `${code}: ${String(e)}`);
        assert.equal(e.code, code);
        assert.equal(e.statusCode, 400);
        return true;
      });
    }
    assert.equal(fake.requests.length, 3, "moderation is not retried");
  });

  it("wrong api-key → AuthenticationError with Azure's message, key not leaked", async () => {
    const wrong = "azure-wrong-key-5555555555";
    const err = await gw.generateImage(cfg("gpt-image-1", {}, { apiKey: wrong }), { prompt: "x" }).catch((e: unknown) => e);
    assert.ok(err instanceof AuthenticationError);
    assert.match(err.message, /Access denied due to invalid subscription key/);
    assert.ok(!JSON.stringify({ m: err.message, r: err.rawResponse, j: err }).includes(wrong));
  });

  it("unknown deployment → HTTPError 404 DeploymentNotFound; unsupported api-version → 404 Resource not found", async () => {
    await assert.rejects(gw.generateImage(cfg("gpt-image-1", { deployment: "nope" }), { prompt: "x" }), (e: unknown) => {
      return e instanceof HTTPError && e.statusCode === 404 && e.code === "DeploymentNotFound" && /deployment for this resource does not exist/.test(e.message);
    });
    await assert.rejects(gw.generateImage(cfg("gpt-image-1", { deployment: "img-prod", apiVersion: "2023-01-01" }), { prompt: "x" }), (e: unknown) => {
      return e instanceof HTTPError && e.statusCode === 404 && /Resource not found/.test(e.message);
    });
  });

  it("a misnamed field gets OpenAI's 400 naming it → ValidationError", async () => {
    await assert.rejects(gw.generateImage(cfg("gpt-image-1"), { prompt: "x", extraParams: { style: "vivid" } }), (e: unknown) => {
      return e instanceof ValidationError && e.field === "style" && e.code === "unknown_parameter";
    });
  });

  it("refuses variations (Azure has no such route) before sending anything", async () => {
    await assert.rejects(
      gw.generateImage(cfg("dall-e-2-custom", { operation: "variation" }), { prompt: "x", imageList: [{ image: ONE_PIXEL_PNG }] }),
      (e: unknown) => e instanceof ValidationError && /no image variations endpoint/.test(e.message),
    );
    assert.equal(fake.requests.length, 0);
  });

  it("429 with Retry-After and 5xx are retried", async () => {
    fake.script(
      "POST",
      "/openai/v1/images/generations",
      { status: 429, headers: { "retry-after": "0" }, json: { error: { code: "429", message: "Requests to the Images API have exceeded the rate limit." } } },
      { status: 500, json: { error: { code: "InternalServerError", message: "The server had an error." } } },
    );
    const res = await gw.generateImage(cfg("gpt-image-1"), { prompt: "x" });
    assert.equal(res.executionMetadata.totalAttempts, 3);
    assert.equal(res.executionMetadata.attempts[0]!.errorType, "RateLimitError");
    fake.script("POST", "/openai/v1/images/generations", { status: 429, headers: { "retry-after": "0" }, json: { error: { code: "429", message: "slow down" } } });
    await assert.rejects(gw.generateImage(cfg("gpt-image-1", {}, { maxRetries: 0 }), { prompt: "x" }), RateLimitError);
  });

  it("falls back to another provider on a retryable failure", async () => {
    fake.script("POST", "/openai/v1/images/generations", { status: 503, json: { error: { code: "ServiceUnavailable", message: "busy" } } });
    const res = await gw.generateImage(cfg("gpt-image-1", {}, { maxRetries: 0, fallbacks: [{ provider: "mock", mock: { latencyMs: 0 } }] }), { prompt: "x", size: "1024x1024" });
    assert.equal(res.provider, "mock");
    assert.equal(res.executionMetadata.fallbackTriggered, true);
  });

  it("cancels via AbortSignal", async () => {
    fake.script("POST", "/openai/v1/images/generations", { delayMs: 2_000, json: {} });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(gw.generateImage(cfg("gpt-image-1"), { prompt: "x" }, { signal: controller.signal }), CancelledError);
  });

  it("maps each status to its typed error, keeping Azure's message", async () => {
    const cases: [number, new (...a: never[]) => Error, string][] = [
      [400, ValidationError, "InvalidPayload"],
      [401, AuthenticationError, "Unauthorized"],
      [403, AuthenticationError, "PermissionDenied"],
      [404, HTTPError, "DeploymentNotFound"],
      [422, ValidationError, "UnprocessableEntity"],
      [429, RateLimitError, "429"],
      [500, HTTPError, "InternalServerError"],
    ];
    for (const [status, type, code] of cases) {
      const message = `azure says ${status}`;
      fake.script("POST", "/openai/v1/images/generations", { status, json: { error: { code, message } } });
      const err = await gw.generateImage(cfg("gpt-image-1", {}, { maxRetries: 0 }), { prompt: "x" }).catch((e: unknown) => e);
      assert.ok(err instanceof type, `${status}: ${String(err)}`);
      assert.equal((err as HTTPError).statusCode, status);
      assert.match((err as Error).message, new RegExp(message));
      assert.equal((err as HTTPError).retryable, status === 429 || status >= 500, `${status} retryable`);
    }
  });
});
