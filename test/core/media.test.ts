import assert from "node:assert/strict";
import { lookup } from "node:dns/promises";
import { hostname } from "node:os";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { download } from "../../src/core/media/download.js";
import { readImageDimensions, sniffMediaType } from "../../src/core/media/sniff.js";
import { type NetworkPolicy, guardedLookup, isBlockedAddress } from "../../src/core/media/ssrf.js";
import { createMediaTools, parseDataUrl } from "../../src/core/media/tools.js";
import { HTTPError, TimeoutError, ValidationError } from "../../src/index.js";
import { type FakeServer, ONE_PIXEL_PNG, startFakeServer } from "../helpers/fake-server.js";

describe("sniffing", () => {
  it("detects media types and reads dimensions from headers", async () => {
    const base = sharp({ create: { width: 37, height: 21, channels: 3, background: "red" } });
    for (const [fmt, type] of [["png", "image/png"], ["jpeg", "image/jpeg"], ["webp", "image/webp"], ["gif", "image/gif"]] as const) {
      const bytes = new Uint8Array(await base.clone().toFormat(fmt).toBuffer());
      assert.equal(sniffMediaType(bytes), type);
      assert.deepEqual(readImageDimensions(bytes), { width: 37, height: 21 }, fmt);
    }
    assert.equal(sniffMediaType(new TextEncoder().encode("hello world, not media")), undefined);
  });
});

describe("SSRF guard", () => {
  it("blocks private, loopback, link-local, metadata and mapped addresses", () => {
    for (const ip of ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fd00:ec2::254", "fe80::1", "::ffff:127.0.0.1", "::ffff:a9fe:a9fe"]) {
      assert.equal(isBlockedAddress(ip), true, ip);
    }
    for (const ip of ["93.184.216.34", "8.8.8.8", "2606:4700::1111"]) assert.equal(isBlockedAddress(ip), false, ip);
  });

  let fake: FakeServer;
  before(async () => {
    fake = await startFakeServer((s) => {
      s.route("GET", "/img.png", () => ({ body: ONE_PIXEL_PNG, headers: { "content-type": "image/png" } }));
      s.route("GET", "/big", () => ({ body: new Uint8Array(200_000), headers: { "content-type": "application/octet-stream" }, chunkBytes: 16_384 }));
      s.route("GET", "/slow", () => ({ delayMs: 2_000, body: "x" }));
      s.route("GET", "/redirect", () => ({ status: 302, headers: { location: "http://169.254.169.254/latest/meta-data" } }));
      s.route("GET", "/gone", () => ({ status: 404, body: "nope" }));
    });
  });
  after(() => fake.close());

  it("refuses loopback, localhost and metadata URLs by default", async () => {
    for (const url of [`${fake.url}/img.png`, "http://localhost:1/x", "http://169.254.169.254/latest/meta-data", "http://[::1]:1/x", "file:///etc/passwd"]) {
      await assert.rejects(download(url, { policy: {}, field: "imageList.0.image" }), (e: unknown) => e instanceof ValidationError && e.field === "imageList.0.image", url);
    }
  });

  it("refuses a host name that resolves to a private address (checked at connect time)", async (t) => {
    // The machine's own host name resolves offline (via /etc/hosts) to loopback or a private address,
    // and is not a name the pre-flight check knows, so only the connect-time lookup can refuse it.
    const host = hostname();
    const resolved = await lookup(host).catch(() => undefined);
    if (!resolved || !isBlockedAddress(resolved.address)) return t.skip(`${host} does not resolve to a blocked address here`);
    const port = new URL(fake.url).port;
    const before = fake.requests.length;
    await assert.rejects(
      download(`http://${host}:${port}/img.png`, { policy: {}, field: "imageList.0.image" }),
      (e: unknown) => e instanceof ValidationError && e.field === "imageList.0.image" && /resolves to a blocked address/.test(e.message),
    );
    assert.equal(fake.requests.length, before, "nothing reached the server");
  });

  it("the connect-time lookup refuses loopback and lets allowed hosts through", async () => {
    const run = (policy: NetworkPolicy) =>
      new Promise<{ error: Error | null; address: unknown }>((resolve) => guardedLookup(policy)("localhost", {}, (error, address) => resolve({ error, address })));
    const refused = await run({});
    assert.match(refused.error?.message ?? "", /localhost resolves to a blocked address/);
    const allowed = await run({ allowedHosts: ["localhost"] });
    assert.equal(allowed.error, null);
    assert.ok(isBlockedAddress(String(allowed.address)));
  });

  it("refuses IP literals in every spelling: IPv4-mapped and -compatible IPv6, decimal, hex, trailing dots", async () => {
    const port = new URL(fake.url).port;
    const before = fake.requests.length;
    for (const host of ["[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::127.0.0.1]", "[0:0:0:0:0:ffff:a9fe:a9fe]", "2130706433", "0x7f.1", "127.1", "localhost.", "metadata.google.internal"]) {
      await assert.rejects(download(`http://${host}:${port}/img.png`, { policy: {} }), (e: unknown) => e instanceof ValidationError, host);
    }
    for (const ip of ["::7f00:1", "::ffff:0:7f00:1", "fec0::1", "100.127.255.254", "198.18.0.1"]) assert.equal(isBlockedAddress(ip), true, ip);
    assert.equal(fake.requests.length, before, "nothing reached the server");
  });

  it("downloads when private addresses are allowed, sniffing the type", async () => {
    const out = await download(`${fake.url}/img.png`, { policy: { allowPrivateNetwork: true } });
    assert.equal(out.mediaType, "image/png");
    assert.equal(out.data.byteLength, ONE_PIXEL_PNG.byteLength);
  });

  it("allows listed hosts only", async () => {
    const out = await download(`${fake.url}/img.png`, { policy: { allowedHosts: ["127.0.0.1"] } });
    assert.equal(out.mediaType, "image/png");
  });

  it("does not follow a redirect into a blocked address", async () => {
    await assert.rejects(download(`${fake.url}/redirect`, { policy: { allowedHosts: ["127.0.0.1"] } }), ValidationError);
  });

  it("caps the size while streaming, and times out", async () => {
    await assert.rejects(download(`${fake.url}/big`, { policy: { allowPrivateNetwork: true }, maxBytes: 50_000 }), (e: unknown) => e instanceof ValidationError && /limit/.test(e.message));
    await assert.rejects(download(`${fake.url}/slow`, { policy: { allowPrivateNetwork: true }, timeoutMs: 100 }), TimeoutError);
    await assert.rejects(download(`${fake.url}/gone`, { policy: { allowPrivateNetwork: true } }), (e: unknown) => e instanceof HTTPError && e.statusCode === 404);
  });
});

describe("media inputs", () => {
  const tools = createMediaTools({ policy: {}, maxBytes: 1_000 });
  const dataUrl = `data:image/png;base64,${ONE_PIXEL_PNG.toString("base64")}`;
  it("converts bytes, Blobs and data URLs to what an adapter asks for", async () => {
    assert.equal(await tools.toDataUrl(new Uint8Array(ONE_PIXEL_PNG), "image"), dataUrl);
    assert.equal(await tools.toDataUrl(new Blob([new Uint8Array(ONE_PIXEL_PNG)]), "image"), dataUrl);
    assert.equal((await tools.toBytes(dataUrl, "image")).mediaType, "image/png");
    assert.equal(await tools.toUrl("https://example.com/a.png", "image"), "https://example.com/a.png");
    const file = await tools.toFile(dataUrl, "image", "input");
    assert.equal(file.filename, "input.png");
    assert.equal(file.blob.type, "image/png");
  });
  it("rejects oversized and malformed inputs naming the field", async () => {
    await assert.rejects(tools.toBytes(new Uint8Array(2_000), "maskImage"), (e: unknown) => e instanceof ValidationError && e.field === "maskImage");
    assert.throws(() => parseDataUrl("data:nonsense", "imageList.1.image"), (e: unknown) => e instanceof ValidationError && e.field === "imageList.1.image");
  });
});
