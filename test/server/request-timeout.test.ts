import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { hashApiKey } from "../../packages/server/src/server/index.js";
import { type TestServer, startTestServer } from "./helpers.js";

const KEY = "tk_request_timeout_0123456789";

/** Send `head`, then trickle `body` one byte every `everyMs`; resolve with what the server answered and when it closed. */
function trickle(url: string, head: string, body: string, everyMs: number, giveUpMs: number): Promise<{ closedAfterMs: number | undefined; answer: string; sent: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(Number(port), hostname);
    let answer = "";
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const done = (closedAfterMs: number | undefined) => {
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ closedAfterMs, answer, sent });
    };
    const giveUp = setTimeout(() => done(undefined), giveUpMs);
    socket.on("data", (d: Buffer) => (answer += d.toString("latin1")));
    socket.on("error", () => undefined);
    socket.on("close", () => done(Date.now() - started));
    socket.on("connect", () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent < body.length && !socket.destroyed) socket.write(body[sent++]!);
      }, everyMs);
    });
  });
}

describe("request read deadline (server.requestTimeoutMs)", () => {
  let gw: TestServer;
  before(async () => {
    gw = await startTestServer({
      server: { requestTimeoutMs: 1_000 },
      auth: { apiKeys: [{ sha256: hashApiKey(KEY), tenant: "slow" }] },
      mock: { enabled: true, latencyMs: 1_500 },
    });
  });
  after(() => gw.stop());

  it("an authenticated client trickling its body at 5 bytes/s is answered 408 and disconnected", async () => {
    const body = JSON.stringify({ prompt: "a lighthouse at dusk, very slowly", size: "32x32" });
    const head = `POST /v1/images/generations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const r = await trickle(gw.url, head, body, 200, 6_000);
    assert.ok(r.closedAfterMs !== undefined, `the socket was still open after 6 s (${r.sent} of ${body.length} bytes sent)`);
    assert.ok(r.closedAfterMs < 3_000, `closed after ${r.closedAfterMs} ms`);
    assert.ok(r.sent < body.length, "the body never completed");
    assert.match(r.answer, /^HTTP\/1\.1 408/);
  });

  it("a client trickling its headers is disconnected too", async () => {
    const head = `GET /v1/models HTTP/1.1\r\nHost: x\r\n`;
    const r = await trickle(gw.url, head, `Authorization: Bearer ${KEY}\r\nX-Slow: ${"y".repeat(40)}\r\n\r\n`, 200, 6_000);
    assert.ok(r.closedAfterMs !== undefined && r.closedAfterMs < 3_000, `closed after ${r.closedAfterMs} ms`);
  });

  it("the deadline bounds reading the request, not the response: a 1.5 s generation completes", async () => {
    const started = Date.now();
    const res = await gw.json("/v1/images/generations", {
      headers: { authorization: `Bearer ${KEY}` },
      body: { model: "mock/mock-image", prompt: "x", size: "32x32", response_format: "url" },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(Date.now() - started >= 1_400);
  });
});
