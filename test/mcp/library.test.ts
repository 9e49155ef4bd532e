import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import sharp from "sharp";
import { createGateway } from "../../src/core/gateway.js";
import { createMcpServer } from "../../packages/server/src/mcp/server.js";
import { startOpenAIFake } from "../fakes/openai.js";
import { type FakeServer, startFakeServer } from "../helpers/fake-server.js";
import { call, textOf } from "./helpers.js";

const WRONG_KEY = "sk-wrong-0123456789abcdefSECRET";

/** createMcpServer over a library gateway, connected to the SDK client in process. */
async function connect(options: Parameters<typeof createMcpServer>[0]): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer(options).connect(serverSide);
  const client = new Client({ name: "tarash-test", version: "1.0.0" });
  await client.connect(clientSide);
  return client;
}

describe("createMcpServer over a library gateway", () => {
  let files: FakeServer;
  let openai: FakeServer;
  let png: Buffer;

  before(async () => {
    png = await sharp({ create: { width: 96, height: 64, channels: 3, background: "#884422" } }).png().toBuffer();
    files = await startFakeServer((s) => s.route("GET", "/out.png", () => ({ headers: { "content-type": "image/png" }, body: png })));
    openai = await startOpenAIFake({ apiKey: "sk-right-0123456789abcdef" });
  });

  after(async () => {
    await files.close();
    await openai.close();
  });

  function urlGateway() {
    const gateway = createGateway({ logLevel: "silent", network: { allowPrivateNetwork: true } });
    gateway.registerProvider({
      id: "urls",
      requiresApiKey: false,
      models: [{ provider: "urls", model: "remote", kind: "image", sizes: ["96x64"], maxN: 1 }],
      generateImage: async () => ({ images: [{ url: `${files.url}/out.png`, mediaType: "image/png", width: 96, height: 64 }], rawResponse: {} }),
    });
    return gateway;
  }

  it("downloads an output URL through the guarded download path and inlines it, with the URL as text", async () => {
    const client = await connect({ gateway: urlGateway(), network: { allowPrivateNetwork: true } });
    const r = await call(client, "generate_image", { prompt: "x", model: "urls/remote" });
    assert.equal(r.isError, undefined, textOf(r));
    const image = r.content.find((b) => b.type === "image") as { data: string; mimeType: string };
    assert.deepEqual(Buffer.from(image.data, "base64"), png);
    assert.equal(image.mimeType, "image/png");
    assert.match(textOf(r), new RegExp(`image 1: ${files.url}/out.png`));
    await client.close();
  });

  it("an output over the inline cap comes back as a resource link to its URL, not as bytes", async () => {
    const client = await connect({ gateway: urlGateway(), network: { allowPrivateNetwork: true }, maxInlineImageBytes: 100 });
    const r = await call(client, "generate_image", { prompt: "x", model: "urls/remote" });
    assert.equal(r.isError, undefined, textOf(r));
    assert.equal(r.content.find((b) => b.type === "image"), undefined);
    const link = r.content.find((b) => b.type === "resource_link") as { uri: string; mimeType: string };
    assert.equal(link.uri, `${files.url}/out.png`);
    assert.match(textOf(r), /not inlined: .*100/);
    await client.close();
  });

  it("the SSRF policy applies: a private-network output URL is linked, never fetched", async () => {
    const before = files.calls("GET", "/out.png").length;
    const client = await connect({ gateway: urlGateway() });
    const r = await call(client, "generate_image", { prompt: "x", model: "urls/remote" });
    assert.equal(r.isError, undefined, textOf(r));
    assert.equal(r.content.find((b) => b.type === "image"), undefined);
    assert.ok(r.content.some((b) => b.type === "resource_link"));
    assert.equal(files.calls("GET", "/out.png").length, before, "no request reached the private address");
    await client.close();
  });

  it("a provider's refusal is a tool error with its message: no stack, no key", async () => {
    const gateway = createGateway({ logLevel: "silent", providers: { openai: { apiKey: WRONG_KEY, baseUrl: openai.url } }, defaults: { maxRetries: 0 } });
    const client = await connect({ gateway });
    const r = await call(client, "generate_image", { prompt: "x", model: "gpt-image-2", size: "1024x1024" });
    assert.equal(r.isError, true);
    const text = textOf(r);
    assert.match(text, /AuthenticationError/);
    assert.doesNotMatch(text, /\n\s+at /);
    assert.doesNotMatch(text, /SECRET|0123456789abcdef/);
    await client.close();
  });

  it("an unexpected failure is reported to the host and the client reads only a generic message", async () => {
    const gateway = createGateway({ logLevel: "silent" });
    gateway.registerProvider({
      id: "buggy",
      requiresApiKey: false,
      models: [{ provider: "buggy", model: "m", kind: "image", maxN: 1 }],
      generateImage: () => Promise.resolve({ images: [{ url: "data:image/png;base64," + png.toString("base64") }], rawResponse: {} }),
    });
    const seen: string[] = [];
    const client = await connect({
      gateway,
      generateImage: () => Promise.reject(new TypeError("internal detail /srv/secret/path")),
      onInternalError: (error, tool) => seen.push(`${tool}: ${(error as Error).message}`),
    });
    const r = await call(client, "generate_image", { prompt: "x", model: "buggy/m" });
    assert.equal(r.isError, true);
    assert.equal(textOf(r), "internal error in generate_image; the server log has the details");
    assert.deepEqual(seen, ["generate_image: internal detail /srv/secret/path"]);
    await client.close();
  });
});
