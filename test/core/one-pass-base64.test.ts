import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createGateway } from "../../src/index.js";
import type { OutputStorage } from "../../src/core/gateway-core.js";
import { type FakeServer, startFakeServer } from "../helpers/fake-server.js";
import { type TestServer, startTestServer } from "../server/helpers.js";

/** A PNG header (IHDR: 1536×1024) followed by incompressible filler: ~2 MB once in base64. */
function bigPng(): Buffer {
  const ihdr = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(ihdr, 0);
  ihdr.writeUInt32BE(13, 8);
  ihdr.write("IHDR", 12, "latin1");
  ihdr.writeUInt32BE(1536, 16);
  ihdr.writeUInt32BE(1024, 20);
  return Buffer.concat([ihdr, randomBytes(1.5 * 1024 * 1024)]);
}

/** A JPEG whose size marker (SOF0: 640×480) sits past 60 KB of EXIF, beyond the head the core sniffs. */
function deepJpeg(): Buffer {
  const app1 = Buffer.alloc(4 + 60_000);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(60_002, 2);
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0xe0, 0x02, 0x80, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app1, sof, randomBytes(200_000), Buffer.from([0xff, 0xd9])]);
}

const PNG = bigPng();
const PNG_B64 = PNG.toString("base64");
const JPEG = deepJpeg();
const JPEG_B64 = JPEG.toString("base64");

describe("base64 from a provider reaches the caller byte for byte", () => {
  let upstream: FakeServer;
  before(async () => {
    upstream = await startFakeServer((s) =>
      s.route("POST", "/v1/images/generations", (req) => {
        const jpeg = /jpeg/.test((req.json as { prompt: string }).prompt);
        return { json: { created: 1, data: [{ b64_json: jpeg ? JPEG_B64 : PNG_B64 }], ...(jpeg ? { output_format: "jpeg" } : {}) } };
      }),
    );
  });
  after(() => upstream.close());

  const config = () => ({ provider: "openai", model: "gpt-image-2", apiKey: "sk-test-000000000000", baseUrl: `${upstream.url}/v1`, maxRetries: 0 });

  it("as a data: URL carrying the provider's base64 unchanged, with type and size read from its head", async () => {
    const res = await createGateway({ logLevel: "silent" }).generateImage(config(), { prompt: "a lighthouse", size: "1536x1024" });
    const image = res.images[0]!;
    assert.equal(image.mediaType, "image/png");
    assert.deepEqual([image.width, image.height], [1536, 1024]);
    assert.ok(image.url === `data:image/png;base64,${PNG_B64}`, "the data URL holds the upstream base64 unchanged");
  });

  it("reads a JPEG's size even when its size marker lies past the sniffed head", async () => {
    const res = await createGateway({ logLevel: "silent" }).generateImage(config(), { prompt: "a jpeg lighthouse", size: "1536x1024" });
    const image = res.images[0]!;
    assert.equal(image.mediaType, "image/jpeg");
    assert.deepEqual([image.width, image.height], [640, 480]);
    assert.ok(image.url === `data:image/jpeg;base64,${JPEG_B64}`);
  });

  it("into storage as the exact bytes the provider encoded", async () => {
    const stored: Uint8Array[] = [];
    const storage: OutputStorage = {
      async put(object) {
        assert.ok(object.data instanceof Uint8Array);
        stored.push(object.data);
        return { url: "https://files.example/out.png" };
      },
    };
    const res = await createGateway({ logLevel: "silent", storage }).generateImage(config(), { prompt: "a lighthouse", size: "1536x1024" });
    assert.equal(res.images[0]!.url, "https://files.example/out.png");
    assert.equal(stored.length, 1);
    assert.ok(Buffer.from(stored[0]!).equals(PNG), "stored bytes equal the provider's image");
  });

  describe("through the gateway service", () => {
    let gw: TestServer;
    before(async () => {
      gw = await startTestServer({
        providers: { openai: { apiKey: "sk-test-000000000000", baseUrl: `${upstream.url}/v1` } },
        routes: { big: { model: "openai/gpt-image-2", retries: 0 } },
        mock: { enabled: false },
      });
    });
    after(() => gw.stop());

    it("b64_json is the upstream base64, and a url output serves the same bytes", async () => {
      const inline = await fetch(`${gw.url}/v1/images/generations`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "big", prompt: "a lighthouse", size: "1536x1024", response_format: "b64_json" }),
      });
      assert.equal(inline.status, 200);
      const body = (await inline.json()) as { data: { b64_json: string }[] };
      assert.ok(body.data[0]!.b64_json === PNG_B64, "b64_json equals the upstream's");

      const stored = await fetch(`${gw.url}/v1/images/generations`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "big", prompt: "a lighthouse", size: "1536x1024", response_format: "url" }),
      });
      assert.equal(stored.status, 200);
      const url = ((await stored.json()) as { data: { url: string }[] }).data[0]!.url;
      const file = await fetch(url);
      assert.equal(file.status, 200);
      assert.ok(Buffer.from(await file.arrayBuffer()).equals(PNG), "the stored file is the provider's image");
    });
  });
});
