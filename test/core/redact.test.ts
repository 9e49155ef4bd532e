import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { REDACTED, redact, redactString, registerSecret } from "../../src/core/redact.js";
import { createLogger } from "../../src/core/logger.js";

describe("redact", () => {
  it("masks secret-named keys at any depth, including inside arrays", () => {
    const out = redact({ config: { provider: "openai", nested: [{ api_key: "abc123456789", apiKey: "x1234567890", Authorization: "Bearer zzz" }] } });
    assert.deepEqual(out, {
      config: { provider: "openai", nested: [{ api_key: REDACTED, apiKey: REDACTED, Authorization: REDACTED }] },
    });
  });

  it("reads camelCase and header-style names too, without masking token counts or storage keys", () => {
    const out = redact({
      aws: { secretAccessKey: "wJalrXUtnFEMI", sessionToken: "FwoGZXIvYXdzE" },
      settings: { openaiApiKey: "sk-abc", headers: { "Ocp-Apim-Subscription-Key": "azure-sub" } },
      usage: { outputTokens: 1290, totalTokenCount: 1300 },
      stored: { key: "customers/1/assets/image/a.png" },
    });
    assert.deepEqual(out, {
      aws: { secretAccessKey: REDACTED, sessionToken: REDACTED },
      settings: { openaiApiKey: REDACTED, headers: { "Ocp-Apim-Subscription-Key": REDACTED } },
      usage: { outputTokens: 1290, totalTokenCount: 1300 },
      stored: { key: "customers/1/assets/image/a.png" },
    });
  });

  it("scrubs a registered secret wherever it appears in a string", () => {
    registerSecret("sk-live-verysecretvalue-42");
    const out = redact({ message: "Incorrect API key provided: sk-live-verysecretvalue-42.", deep: { list: ["x sk-live-verysecretvalue-42 y"] } });
    assert.equal(JSON.stringify(out).includes("verysecretvalue"), false);
    assert.match(out.message, /\[REDACTED\]/);
  });

  it("masks signing parameters in URLs and bearer credentials in text", () => {
    const s = redactString("GET https://bucket.s3.amazonaws.com/a.png?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA/x&width=3 with Bearer abcdefghijkl");
    assert.doesNotMatch(s, /deadbeef|AKIA|abcdefghijkl/);
    assert.match(s, /width=3/);
  });

  it("summarises bytes and long data URLs instead of copying them", () => {
    const out = redact({ data: new Uint8Array(5000), url: `data:image/png;base64,${"A".repeat(10_000)}` });
    assert.equal(out.data as unknown, "[5000 bytes]");
    assert.ok((out.url as string).length < 200);
  });

  it("survives cycles", () => {
    const a: Record<string, unknown> = { name: "a" };
    a.self = a;
    assert.deepEqual(redact(a), { name: "a", self: "[circular]" });
  });

  it("redacts every log record before it reaches the sink, and honours the level", () => {
    registerSecret("tok-logged-secret-000111");
    const lines: string[] = [];
    const log = createLogger({ level: "info", sink: (l) => lines.push(l) });
    log.debug({ x: 1 }, "hidden");
    log.info({ config: { apiKey: "plain-key-123456789", headers: { "x-key": "k" } } }, "using tok-logged-secret-000111");
    assert.equal(lines.length, 1);
    assert.doesNotMatch(lines[0]!, /plain-key|tok-logged-secret/);
    const rec = JSON.parse(lines[0]!);
    assert.equal(rec.level, "info");
    assert.equal(rec.config.apiKey, REDACTED);
  });
});

describe("a provider's masked echo of a key", () => {
  it("loses its visible prefix and tail too (OpenAI: 'Incorrect API key provided: sk-proj-****CRET')", () => {
    const out = redactString("Incorrect API key provided: sk-proj-********************************CRET. You can find your API key at https://platform.openai.com/account/api-keys.");
    assert.doesNotMatch(out, /CRET|sk-proj/);
    assert.match(out, /Incorrect API key provided: /);
    assert.equal(redactString("key sk-…abcd was rejected").includes("abcd"), false);
    // Ordinary text with asterisks or an ellipsis stays as it is.
    assert.equal(redactString("rated **** by users; more… soon"), "rated **** by users; more… soon");
  });
});
