import assert from "node:assert/strict";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { type TestServer, readSse, startTestServer } from "./helpers.js";

/**
 * Provider errors as a client sees them through the gateway: whose fault they are (status), what they
 * say (the provider, never its URL), and what they never say (the key, whole or in part).
 */

// 46 characters, like the key in the report.
const KEY = "sk-proj-Zq8Xv2Lm4Np6Rt0Wy3Bc5Df7Gh9Jk1Ms2Qu4Ev6";
const PIECES = Array.from({ length: KEY.length - 11 }, (_, i) => KEY.slice(i, i + 12));
function assertNoKey(text: string, where: string): void {
  const found = PIECES.find((p) => text.includes(p));
  assert.equal(found, undefined, `${where} carries part of the key: ${found}`);
}

type Reply = (req: IncomingMessage, res: ServerResponse) => void;

interface Upstream {
  url: string;
  port: number;
  reply: Reply;
  hits: string[];
  close(): Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  const upstream: Upstream = { url: "", port: 0, reply: () => {}, hits: [], close: async () => {} };
  const server = createServer((req, res) => {
    upstream.hits.push(`${req.method} ${req.url}`);
    req.resume();
    req.on("end", () => upstream.reply(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  upstream.port = (server.address() as AddressInfo).port;
  upstream.url = `http://127.0.0.1:${upstream.port}`;
  upstream.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return upstream;
}

const json = (status: number, body: unknown): Reply => (_req, res) => {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
};

describe("provider errors through the gateway", () => {
  let upstream: Upstream;
  let gw: TestServer;
  const logs: string[] = [];
  before(async () => {
    upstream = await startUpstream();
    gw = await startTestServer(
      { logLevel: "debug", mock: { enabled: false }, providers: { openai: { apiKey: KEY, baseUrl: `${upstream.url}/v1` } }, defaults: { maxRetries: 0 } },
      { logger: (line: string) => void logs.push(line) },
    );
  });
  after(async () => {
    await gw.stop();
    await upstream.close();
  });
  beforeEach(() => {
    upstream.hits.length = 0;
  });

  const generate = () => gw.json("/v1/images/generations", { body: { model: "gpt-image-2", prompt: "a lighthouse" } });

  describe("a provider echoing the key", () => {
    it("in its error param, code, type and message: nothing of it reaches the response, the job record, its events, the job list or the log", async () => {
      upstream.reply = json(400, { error: { message: `Invalid value '${KEY}' for size`, type: KEY, param: KEY, code: KEY } });
      const sync = await generate();
      assert.equal(sync.status, 400);
      assertNoKey(JSON.stringify(sync.body), "the HTTP response");

      const created = await gw.json("/v1/jobs", { body: { kind: "image", model: "gpt-image-2", request: { prompt: "x" } } });
      const id = created.body.id as string;
      const events = await readSse(await fetch(`${gw.url}/v1/jobs/${id}/events`));
      assert.equal(events.at(-1)!.event, "failed");
      assertNoKey(JSON.stringify(events), "the job's events");
      assertNoKey(JSON.stringify((await gw.json(`/v1/jobs/${id}`)).body), "the job record");
      assertNoKey(JSON.stringify((await gw.json("/v1/jobs")).body), "the job list");
      assertNoKey(logs.join("\n"), "the log");
    });

    it("as a moderation code: still a moderation refusal, without the key", async () => {
      upstream.reply = json(400, { error: { message: "Your request was rejected by the safety system.", type: "image_generation_user_error", code: KEY } });
      const res = await generate();
      assert.equal(res.status, 400);
      assert.match((res.body.error as { message: string }).message, /safety system/);
      assertNoKey(JSON.stringify(res.body), "the HTTP response");
      assertNoKey(logs.join("\n"), "the log");
    });

    it("in a plain-text error where the key straddles the 500-character cut, at every position", async () => {
      const filler = "the request could not be processed; ".repeat(40);
      for (let at = 454; at <= 500; at++) {
        const text = `${filler.slice(0, at)}${KEY}${filler.slice(at)}`;
        upstream.reply = (_req, res) => res.writeHead(400, { "content-type": "text/plain" }).end(text);
        const res = await generate();
        assert.equal(res.status, 400);
        assertNoKey(JSON.stringify(res.body), `the HTTP response (key at ${at})`);
      }
      assertNoKey(logs.join("\n"), "the log");
    });
  });

  describe("a provider 400 naming a parameter that is also an Object.prototype name", () => {
    for (const param of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      it(`'${param}' is an ordinary 400 naming it, not a 500`, async () => {
        upstream.reply = json(400, { error: { message: `Unknown parameter: '${param}'.`, type: "invalid_request_error", param, code: "unknown_parameter" } });
        const res = await generate();
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal((res.body.error as { param: string }).param, param);
        assert.match((res.body.error as { message: string }).message, /^openai returned 400: Unknown parameter/);
      });
    }
  });

  describe("whose fault: upstream misbehaviour is a 502 naming the provider, not its URL", () => {
    it("a POST answered with a redirect → 502, and the redirect is not followed", async () => {
      upstream.reply = (_req, res) => res.writeHead(307, { location: "/elsewhere" }).end();
      const res = await generate();
      assert.equal(res.status, 502, JSON.stringify(res.body));
      const message = (res.body.error as { message: string }).message;
      assert.match(message, /^openai answered POST with a redirect \(307\), which is not followed/);
      assert.doesNotMatch(message, /127\.0\.0\.1|baseUrl/);
      assert.deepEqual(upstream.hits, ["POST /v1/images/generations"]);
    });

    it("an output URL the SSRF guard refuses → 502, not 400", async () => {
      upstream.reply = json(200, { created: 1, data: [{ url: "http://169.254.169.254/latest/meta-data/image.png", revised_prompt: "x" }] });
      const res = await generate();
      assert.equal(res.status, 502, JSON.stringify(res.body));
      assert.match((res.body.error as { message: string }).message, /output URL was refused: 169\.254\.169\.254 is a private/);
    });

    it("a connection reset → 502 naming openai; the URL is in the log only", async () => {
      upstream.reply = (req) => req.socket.destroy();
      const before = logs.length;
      const res = await generate();
      assert.equal(res.status, 502, JSON.stringify(res.body));
      const message = (res.body.error as { message: string }).message;
      assert.match(message, /^openai: the POST request could not be completed/);
      assert.doesNotMatch(message, new RegExp(`127\\.0\\.0\\.1|${upstream.port}`));
      assert.ok(logs.slice(before).some((l) => l.includes(`${upstream.url}/v1/images/generations`)), "the log names the URL");
    });
  });
});
