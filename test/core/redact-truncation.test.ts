import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { HttpClient } from "../../src/core/http.js";
import { type ErrorBody, errorFromResponse } from "../../src/core/http-errors.js";
import { createLogger } from "../../src/core/logger.js";
import { redact, redactPrefix, registerSecret } from "../../src/core/redact.js";
import { type ProgressUpdate, type TarashError, ValidationError, createGateway } from "../../src/index.js";
import { FAL_KEY, type FalFake, startFalFake } from "../fakes/fal.js";
import { type FakeServer, startFakeServer } from "../helpers/fake-server.js";

/**
 * A provider that echoes the key it was given, anywhere in its error: the key must not leave in whole
 * or in part. Text used to be cut (at 500 or 2000 characters) before it was redacted, so a key
 * straddling the cut was no longer recognised and its first part leaked.
 */

// 46 characters, like the key in the report; no character of it appears in the filler below.
const KEY = "sk_proj_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9";
assert.equal(KEY.length, 46);
registerSecret(KEY);

/** Every 12-character piece of the key: none may appear anywhere. */
const PIECES = Array.from({ length: KEY.length - 11 }, (_, i) => KEY.slice(i, i + 12));
function assertNoKey(text: string, where: string): void {
  const found = PIECES.find((p) => text.includes(p));
  assert.equal(found, undefined, `${where} carries part of the key: ${found}`);
}

const FILLER = "·the provider could not process this request· ".repeat(60);

/** `FILLER` with the key inserted at `at`, long enough to cross the 500- and 2000-character cuts. */
function withKeyAt(at: number, length = 2_100): string {
  return `${FILLER.slice(0, at)}${KEY}${FILLER.slice(at)}`.slice(0, Math.max(length, at + KEY.length));
}

const ids = { provider: "acme", model: "m1", requestId: "req_1" };

function everyString(error: TarashError): string[] {
  return [
    error.message,
    String(error.code),
    JSON.stringify(error),
    JSON.stringify(error.rawResponse),
    JSON.stringify(redact(error)),
    error instanceof ValidationError ? JSON.stringify(error.issues) : "",
  ];
}

describe("redaction happens before any cut", () => {
  it("redactPrefix: a key at any position of a text is never partly kept, whatever the cut", () => {
    for (const max of [10, 48, 500, 2000]) {
      for (let at = 0; at <= max + 60; at++) {
        const out = redactPrefix(withKeyAt(at, 3 * max + 500), max);
        assertNoKey(out, `redactPrefix(at ${at}, max ${max})`);
        assert.ok(out.length <= max + 1, "the result is cut to the limit");
      }
    }
  });

  it("redactPrefix scans only a window past the cut, so a 50 MB text costs what a short one does", () => {
    const huge = withKeyAt(498, 50 * 1024 * 1024);
    const t0 = performance.now();
    const out = redactPrefix(huge, 500);
    assert.ok(performance.now() - t0 < 20, "bounded work");
    assertNoKey(out, "the cut of a huge text");
  });

  it("a plain-text error body with the key at every position: message, code, rawResponse and JSON stay clean", () => {
    for (let at = 0; at <= 2_060; at++) {
      const text = withKeyAt(at);
      const input: ErrorBody = { status: 502, headers: new Headers(), body: undefined, text };
      for (const error of [errorFromResponse(input, undefined, ids), errorFromResponse({ ...input, status: 400 }, undefined, ids)]) {
        for (const s of everyString(error)) assertNoKey(s, `plain text, key at ${at}`);
      }
    }
  });

  it("a JSON error body with the key in every field, at every position of its message", () => {
    for (let at = 0; at <= 600; at++) {
      const message = withKeyAt(at, 700);
      const body = { error: { message, type: KEY, param: `prefix.${KEY}`, code: KEY, nested: { raw: [message, { deep: KEY }] } } };
      const input: ErrorBody = { status: 400, headers: new Headers(), body, text: JSON.stringify(body) };
      const info = { message, code: body.error.code, field: body.error.param, kind: "validation" as const };
      for (const error of [errorFromResponse(input, info, ids), errorFromResponse(input, { ...info, kind: "moderation" }, ids)]) {
        for (const s of everyString(error)) assertNoKey(s, `JSON, key at ${at}`);
      }
    }
  });
});

describe("an upstream echoing the key, over HTTP", () => {
  let fake: FakeServer;
  let at = 0;
  before(async () => {
    fake = await startFakeServer((s) => {
      s.route("POST", "/text", () => ({ status: 400, headers: { "content-type": "text/plain" }, body: withKeyAt(at) }));
      s.route("POST", "/json", () => ({
        status: 422,
        json: { error: { message: withKeyAt(at, 800), param: KEY, code: KEY, type: KEY } },
      }));
      s.route("GET", "/not-json", () => ({ status: 200, headers: { "content-type": "text/html" }, body: withKeyAt(at) }));
    });
  });
  after(() => fake.close());

  it("no part of the key reaches the error or the log, wherever it straddles the 500- and 2000-character cuts", async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "debug", sink: (line) => lines.push(line) });
    const client = new HttpClient({
      baseUrl: fake.url,
      provider: "acme",
      model: "m1",
      logger,
      parseError: ({ body }) => {
        const e = (body as { error?: { message?: string; param?: string; code?: string } } | undefined)?.error;
        return e ? { message: e.message, field: e.param, code: e.code, kind: "validation" } : undefined;
      },
    });
    const positions = [...Array.from({ length: 70 }, (_, i) => 440 + i), ...Array.from({ length: 60 }, (_, i) => 1_950 + i)];
    for (at of positions) {
      for (const [method, path] of [["POST", "/text"], ["POST", "/json"], ["GET", "/not-json"]] as const) {
        const error = (await client.json(path, { method, ...(method === "POST" ? { json: {} } : {}) }).catch((e: unknown) => e)) as TarashError;
        assert.ok(error instanceof Error, `${path} failed`);
        logger.warn({ error, raw: error.rawResponse }, `attempt failed: ${error.message}`);
        for (const s of everyString(error)) assertNoKey(s, `${path}, key at ${at}`);
      }
    }
    assertNoKey(lines.join("\n"), "the log");
    assert.ok(lines.length > 300);
  });
});

describe("progress a provider reports", () => {
  let fal: FalFake;
  before(async () => {
    fal = await startFalFake();
  });
  after(() => fal.close());

  it("queue logs echoing the key reach onProgress (and so job events) redacted", async () => {
    fal.steps = [{ status: "IN_PROGRESS", logs: [`loading weights with key ${KEY}`, `${"·".repeat(4_090)}${KEY}`] }, { status: "COMPLETED" }];
    const updates: ProgressUpdate[] = [];
    const gw = createGateway({ logLevel: "silent" });
    // The fake takes its own key; the key echoed in the logs is the one this file registered.
    await gw.generateImage({ provider: "fal", model: "fal-ai/flux/dev", apiKey: FAL_KEY, baseUrl: fal.url, pollIntervalMs: 1 }, { prompt: "x" }, { onProgress: (u) => void updates.push(u) });
    const text = JSON.stringify(updates);
    assert.match(text, /loading weights with key \[REDACTED\]/);
    assertNoKey(text, "progress updates");
  });
});

