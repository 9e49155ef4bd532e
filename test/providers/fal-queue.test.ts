import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseFalError } from "../../src/providers/fal/errors.js";
import { appRoot, parseEndpointId, queueHandle, statusProgress, submitUrl } from "../../src/providers/fal/queue.js";

const err = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  parseFalError({ status, headers: new Headers(headers), body, text: JSON.stringify(body) });

describe("fal queue protocol pieces", () => {
  it("drops the model's sub-path for status/result/cancel, keeps it for submit", () => {
    assert.equal(appRoot("fal-ai/flux/dev"), "fal-ai/flux");
    assert.equal(appRoot("fal-ai/flux-pro/v1.1-ultra"), "fal-ai/flux-pro");
    assert.equal(appRoot("fal-ai/veo3.1/image-to-video"), "fal-ai/veo3.1");
    assert.equal(appRoot("workflows/acme/my-flow/run"), "workflows/acme/my-flow");
    assert.deepEqual(parseEndpointId("123-my-app"), { owner: "123", app: "my-app" });
    assert.equal(submitUrl("https://queue.fal.run/", "fal-ai/flux-pro/v1.1-ultra"), "https://queue.fal.run/fal-ai/flux-pro/v1.1-ultra");
    assert.equal(submitUrl("https://queue.fal.run", "123-my-app"), "https://queue.fal.run/123/my-app");
    const h = queueHandle("https://queue.fal.run", "fal-ai/flux/dev", "abc");
    assert.equal(h.statusUrl, "https://queue.fal.run/fal-ai/flux/requests/abc/status");
    assert.equal(h.responseUrl, "https://queue.fal.run/fal-ai/flux/requests/abc");
    assert.equal(h.cancelUrl, "https://queue.fal.run/fal-ai/flux/requests/abc/cancel");
  });

  it("follows returned URLs only on the queue host or fal's own domains", () => {
    const returned = { status_url: "https://queue.fal.run/fal-ai/flux/requests/abc/status", response_url: "https://evil.example/steal" };
    const direct = queueHandle("https://queue.fal.run", "fal-ai/flux/dev", "abc", returned);
    assert.equal(direct.statusUrl, returned.status_url);
    assert.equal(direct.responseUrl, "https://queue.fal.run/fal-ai/flux/requests/abc");
    // Behind a proxy, fal's own hosts would bypass it: build the URLs on the proxy instead.
    const proxied = queueHandle("https://proxy.internal/fal", "fal-ai/flux/dev", "abc", returned);
    assert.equal(proxied.statusUrl, "https://proxy.internal/fal/fal-ai/flux/requests/abc/status");
  });

  it("turns statuses into progress reports", () => {
    assert.deepEqual(statusProgress({ status: "IN_QUEUE", queue_position: 3 }), { status: "queued", queuePosition: 3, message: "in queue at position 3" });
    assert.deepEqual(statusProgress({ status: "IN_PROGRESS", logs: [{ message: "a" }, { message: "b" }] }), { status: "processing", message: "b", logs: ["a", "b"] });
    assert.deepEqual(statusProgress({ status: "IN_PROGRESS", logs: null }), { status: "processing", message: "in progress", logs: undefined });
    assert.equal(statusProgress({ status: "COMPLETED" }), undefined);
  });

  it("parses fal error bodies and retry hints", () => {
    assert.deepEqual(err(422, { detail: [{ loc: ["body", "image_size", "width"], msg: "too big", type: "value_error" }] }), {
      message: "image_size.width: too big",
      field: "image_size.width",
      code: "value_error",
    });
    assert.equal(err(422, { detail: [{ loc: ["body", "prompt"], msg: "no", type: "content_policy_violation" }] })?.kind, "moderation");
    assert.equal(err(504, { detail: "Request timed out", error_type: "request_timeout" }, { "x-fal-request-timeout-type": "user" })?.kind, "failed");
    assert.equal(err(504, { detail: "Request timed out", error_type: "request_timeout" })?.kind, undefined);
    assert.equal(err(500, { detail: "x" }, { "x-fal-retryable": "false" })?.kind, "failed");
    assert.equal(err(400, { detail: "x" }, { "x-fal-needs-retry": "true" })?.kind, "transient");
    const auth = err(401, { detail: "No user found for Key ID and Secret" });
    assert.equal(auth?.message, "No user found for Key ID and Secret");
    assert.equal(auth?.kind, undefined);
  });
});
