import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger, logsAt, type Logger } from "../../src/core/logger.js";
import { registerSecret } from "../../src/core/redact.js";
import { startTestServer } from "../server/helpers.js";

describe("logger", () => {
  it("says which levels it writes, so callers can skip building records", () => {
    const warn = createLogger({ level: "warn", sink: () => {} });
    assert.deepEqual((["debug", "info", "warn", "error"] as const).map((l) => logsAt(warn, l)), [false, false, true, true]);
    const silent = createLogger({ level: "silent", sink: () => {} });
    assert.equal(logsAt(silent, "error"), false);
  });

  it("asks a pino-style sink for its own level too", () => {
    const calls: string[] = [];
    const pino: Logger = {
      debug: () => calls.push("debug"),
      info: () => calls.push("info"),
      warn: () => calls.push("warn"),
      error: () => calls.push("error"),
      isLevelEnabled: (level) => level === "warn" || level === "error",
    };
    const log = createLogger({ level: "debug", sink: pino });
    assert.equal(logsAt(log, "info"), false);
    assert.equal(logsAt(log, "warn"), true);
  });

  it("redacts flat and nested records alike on the per-field path", () => {
    registerSecret("sk-live-logger-test-0123456789");
    const lines: string[] = [];
    const log = createLogger({ level: "info", sink: (l) => lines.push(l), bindings: { component: "test", apiKey: "sk-live-logger-test-0123456789" } });
    log.info(
      {
        requestId: "req_1",
        status: 200,
        ok: true,
        nothing: null,
        authorization: "Bearer abcdefgh12345678",
        note: "key was sk-live-logger-test-0123456789 here",
        url: "https://bucket.example/o.png?X-Amz-Signature=deadbeef&size=2",
        nested: { headers: { "x-api-key": "plain-secret-value" }, list: ["sk-live-logger-test-0123456789"] },
        image: `data:image/png;base64,${"A".repeat(5000)}`,
      },
      "call with sk-live-logger-test-0123456789",
    );
    assert.equal(lines.length, 1);
    const line = lines[0]!;
    assert.ok(!line.includes("sk-live-logger-test-0123456789"), line);
    assert.ok(!line.includes("abcdefgh12345678") && !line.includes("plain-secret-value") && !line.includes("deadbeef"), line);
    const record = JSON.parse(line) as Record<string, unknown>;
    assert.equal(record.component, "test");
    assert.equal(record.apiKey, "[REDACTED]");
    assert.equal(record.authorization, "[REDACTED]");
    assert.equal(record.status, 200);
    assert.equal(record.ok, true);
    assert.equal(record.nothing, null);
    assert.equal(record.note, "key was [REDACTED] here");
    assert.deepEqual((record.nested as { headers: unknown }).headers, { "x-api-key": "[REDACTED]" });
    assert.ok((record.image as string).length < 200, "a data: URL is summarised");
    assert.match(record.url as string, /size=2/);
  });

  it("the gateway writes no request line at warn and one per request at info", async () => {
    for (const [level, expected] of [["warn", 0], ["info", 1]] as const) {
      const lines: string[] = [];
      const gw = await startTestServer({ logLevel: level }, { logger: (line: string) => lines.push(line) });
      try {
        const before = lines.length;
        const res = await fetch(`${gw.url}/v1/models`);
        assert.equal(res.status, 200);
        await res.arrayBuffer();
        const requests = lines.slice(before).filter((l) => (JSON.parse(l) as { msg: string }).msg === "request");
        assert.equal(requests.length, expected, `${level}: ${requests.join("\n")}`);
      } finally {
        await gw.stop();
      }
    }
  });
});
