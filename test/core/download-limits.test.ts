import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { download, openDownload } from "../../src/core/media/download.js";
import { GenerationFailedError, ValidationError } from "../../src/index.js";

const MiB = 1024 ** 2;

/**
 * Media downloads (input images, provider outputs) keep their own streamed cap; it counts the bytes
 * after content decoding, so a gzip body is held to its inflated size, and the read stops there.
 */
describe("download caps", () => {
  let url = "";
  let close: () => Promise<void>;
  before(async () => {
    // 1 GiB of zeros in ~1 MB: one 16 MiB gzip member, repeated.
    const member = gzipSync(Buffer.alloc(16 * MiB), { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: 64 }, () => member));
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "image/png", "content-encoding": "gzip", "content-length": String(bomb.length) });
      res.on("error", () => undefined);
      res.end(bomb);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bomb.png`;
    close = () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
  });
  after(() => close());

  it("a gzip body is capped on its inflated size: an input is refused as the user's (400-class) error", async () => {
    const rss = process.memoryUsage().rss;
    const error = await download(url, { policy: { allowPrivateNetwork: true }, maxBytes: 8 * MiB, field: "imageList.0.image" }).catch((e: unknown) => e);
    assert.ok(error instanceof ValidationError, String(error));
    assert.match(error.message, /^imageList\.0\.image: refused to fetch the URL: the file exceeds the 8388608-byte limit/);
    assert.ok(process.memoryUsage().rss - rss < 128 * MiB, "the read stopped at the cap");
  });

  it("a provider's output over its cap is the provider's fault (GenerationFailedError), also when streamed", async () => {
    const opened = await openDownload(url, { policy: { allowPrivateNetwork: true }, maxBytes: 8 * MiB, field: "output", source: "provider" });
    const error = await new Response(opened.body).arrayBuffer().catch((e: unknown) => e);
    assert.ok(error instanceof GenerationFailedError, String(error));
    assert.equal(error.retryable, false);
    assert.match(error.message, /^output: the provider's output URL was refused: the file exceeds the 8388608-byte limit/);
  });

  it("a provider's output URL on a private address is the provider's fault; a user's is the user's", async () => {
    const metadata = "http://169.254.169.254/latest/meta-data/x.png";
    const provider = await download(metadata, { policy: {}, field: "output", source: "provider" }).catch((e: unknown) => e);
    assert.ok(provider instanceof GenerationFailedError, String(provider));
    assert.equal(provider.code, "output_refused");
    const user = await download(metadata, { policy: {}, field: "imageList.0.image" }).catch((e: unknown) => e);
    assert.ok(user instanceof ValidationError, String(user));
    assert.equal(user.field, "imageList.0.image");
  });
});
