import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import sharp from "sharp";
import { hashApiKey } from "../../packages/server/src/server/index.js";
import { type TestServer, startTestServer } from "../server/helpers.js";
import { TOOL_NAMES, call, jsonOf, textOf, waitForJob } from "./helpers.js";

const KEY_A = "tk_mcp_tenant_a_0123456789";
const KEY_B = "tk_mcp_tenant_b_0123456789";
const INIT = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
};

async function connect(gw: TestServer, key: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } });
  const client = new Client({ name: "tarash-test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

describe("the gateway's /mcp endpoint (streamable HTTP, official SDK client)", () => {
  let gw: TestServer;
  let a: Client;
  let b: Client;

  before(async () => {
    gw = await startTestServer({
      auth: { apiKeys: [{ sha256: hashApiKey(KEY_A), tenant: "tenant-a" }, { sha256: hashApiKey(KEY_B), tenant: "tenant-b" }] },
      limits: { maxBodyBytes: 64 * 1024 },
    });
    a = await connect(gw, KEY_A);
    b = await connect(gw, KEY_B);
  });

  after(async () => {
    await a.close();
    await b.close();
    await gw.stop();
  });

  it("answers 401 without credentials, and the SDK client cannot connect", async () => {
    const res = await fetch(`${gw.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify(INIT),
    });
    assert.equal(res.status, 401);
    assert.match(res.headers.get("www-authenticate") ?? "", /Bearer/);
    await assert.rejects(connect(gw, "tk_wrong_key_0123456789"));
  });

  it("is stateless: GET and DELETE answer 405 with Allow: POST", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await fetch(`${gw.url}/mcp`, { method, headers: { authorization: `Bearer ${KEY_A}`, accept: "text/event-stream" } });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get("allow"), "POST");
    }
  });

  it("bounds the request body like the /v1 routes", async () => {
    const res = await fetch(`${gw.url}/mcp`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY_A}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ ...INIT, params: { ...INIT.params, pad: "x".repeat(100 * 1024) } }),
    });
    assert.equal(res.status, 413);
  });

  it("lists the seven tools", async () => {
    const { tools } = await a.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), TOOL_NAMES);
    for (const t of tools) assert.equal(t.inputSchema.type, "object", t.name);
  });

  it("generate_image runs on the gateway's mock policy, stores for the tenant, and inlines the PNG with its URL", async () => {
    const r = await call(a, "generate_image", { prompt: "a lighthouse", size: "1024x1536" });
    assert.equal(r.isError, undefined, textOf(r));
    const image = r.content.find((block) => block.type === "image") as { data: string; mimeType: string } | undefined;
    assert.ok(image);
    const meta = await sharp(Buffer.from(image.data, "base64")).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ["png", 1024, 1536]);
    const url = /image 1: (\S+)/.exec(textOf(r))?.[1] ?? "";
    assert.ok(url?.startsWith(`${gw.url}/`), `a gateway file URL: ${url}`);
    const file = await fetch(url);
    assert.equal(file.status, 200);
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), Buffer.from(image.data, "base64"));
    assert.equal(jsonOf(r).isMock, true);
  });

  it("a bad size is a tool error naming size and the allowed values", async () => {
    const r = await call(a, "generate_image", { prompt: "x", size: "big" });
    assert.equal(r.isError, true);
    assert.match(textOf(r), /must look like "1024x1024", or be "auto" or a named size: square_hd.* at size/);
  });

  it("generate_video returns a job id; its tenant follows it to completed; another tenant cannot see or cancel it", async () => {
    const r = await call(a, "generate_video", { prompt: "waves" });
    assert.equal(r.isError, undefined, textOf(r));
    const { jobId } = jsonOf(r, "first") as { jobId: string };
    const other = await call(b, "get_job", { jobId });
    assert.equal(other.isError, true);
    assert.match(textOf(other), /no job with id/);
    assert.equal((await call(b, "cancel_job", { jobId })).isError, true);
    const done = await waitForJob(a, jobId);
    assert.equal(done.status, "completed");
    const video = (done.videos as { url: string; mediaType: string }[])[0]!;
    assert.ok(video.url.startsWith(`${gw.url}/`), video.url);
    const file = await fetch(video.url);
    assert.equal(file.status, 200);
    assert.equal(Buffer.from(await file.arrayBuffer()).subarray(4, 8).toString("latin1"), "ftyp");
  });

  it("generate_video with a progressToken streams progress over SSE and returns the settled job", async () => {
    const progress: number[] = [];
    const r = await call(a, "generate_video", { prompt: "waves" }, { onprogress: (p) => progress.push(p.progress), timeout: 60_000 });
    assert.equal(r.isError, undefined, textOf(r));
    assert.equal(jsonOf(r, "first").status, "completed");
    assert.ok(progress.length >= 1);
  });


  it("list_models and estimate_cost answer", async () => {
    const models = jsonOf(await call(a, "list_models", { kind: "video" }));
    assert.ok((models.count as number) > 0);
    assert.ok((models.models as { kind: string }[]).every((m) => m.kind === "video"));
    const cost = jsonOf(await call(a, "estimate_cost", { kind: "image", model: "gpt-image-2", request: { size: "1024x1024" } }));
    assert.ok((cost.cost as { amountUsd: number }).amountUsd > 0);
  });
});

describe("cancel_job over /mcp", () => {
  let gw: TestServer;
  let client: Client;

  before(async () => {
    // Slow mock jobs, so the job is still running when it is cancelled however loaded the machine is.
    gw = await startTestServer({ auth: { apiKeys: [{ sha256: hashApiKey(KEY_A), tenant: "tenant-a" }] }, mock: { enabled: true, latencyMs: 20_000 } });
    client = await connect(gw, KEY_A);
  });

  after(async () => {
    await client.close();
    await gw.stop();
  });

  it("cancels the tenant's own running job", async () => {
    const { jobId } = jsonOf(await call(client, "generate_video", { prompt: "waves" }), "first") as { jobId: string };
    assert.notEqual(jsonOf(await call(client, "get_job", { jobId }), "first").status, "completed");
    const c = await call(client, "cancel_job", { jobId });
    assert.equal(c.isError, undefined, textOf(c));
    assert.equal(jsonOf(await call(client, "get_job", { jobId }), "first").status, "cancelled");
  });
});
