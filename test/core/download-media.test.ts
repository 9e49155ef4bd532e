import assert from "node:assert/strict";
import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Writable } from "node:stream";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { AuthenticationError, createGateway } from "../../src/index.js";
import { type FakeServer, startFakeServer } from "../helpers/fake-server.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const KEY = "vid-key-0123456789abcdef";
// Large next to what streaming keeps in flight (socket and stream buffers of both ends of the loopback
// connection, about 2 MB), so a download that buffered the whole body could not pass the bound below.
const SIZE = 32 * 1024 * 1024;

describe("downloadMedia", () => {
  let fake: FakeServer;
  let dir: string;
  const payload = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) payload[i] = i % 251;
  payload.set([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d], 0); // an MP4 "ftyp" box
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tarash-dl-"));
    fake = await startFakeServer((s) => {
      s.route("POST", "/jobs", () => ({ json: { id: "j1" } }));
      s.route("GET", "/files/:id", (req) =>
        req.headers["x-api-key"] === KEY
          ? { body: payload, headers: { "content-type": "video/mp4" }, chunkBytes: 256 * 1024 }
          : { status: 401, json: { error: { message: "missing key" } } },
      );
    });
  });
  after(() => fake.close());

  const gateway = () => {
    const gw = createGateway({ logLevel: "silent", network: { allowPrivateNetwork: true } });
    gw.registerProvider({
      id: "keyed",
      models: [{ provider: "keyed", model: "v", kind: "video", durations: [4] }],
      async generateVideo(ctx) {
        const url = `${ctx.baseUrl}/files/abc`;
        return { videos: [{ url, downloadHeaders: { "x-api-key": ctx.requireApiKey() } }], rawResponse: {} };
      },
      downloadHeaders: (ctx) => ({ "x-api-key": ctx.requireApiKey() }),
    });
    return gw;
  };

  it("streams an output that needs the provider key to a file, with bounded memory", async () => {
    const gw = gateway();
    const config = { provider: "keyed", model: "v", apiKey: KEY, baseUrl: fake.url };
    const res = await gw.generateVideo(config, { prompt: "x", durationSeconds: 4 });
    assert.equal(res.video.requiresProviderAuth, true);
    assert.equal(res.video.durationSeconds, 4, "filled from the request");
    assert.equal(JSON.stringify(res).includes(KEY), false);
    const saved = await gw.downloadMedia(res, { to: join(dir, "clip.mp4"), config });
    assert.equal(saved[0]!.bytes, SIZE);
    assert.equal((await stat(join(dir, "clip.mp4"))).size, SIZE);
    assert.ok((await readFile(join(dir, "clip.mp4"))).equals(payload), "the file holds the provider's bytes");

    // Memory while streaming into a sink, sampled after a forced GC: live buffers stay far below the size.
    gc();
    const base = process.memoryUsage().arrayBuffers;
    let peak = 0;
    let received = 0;
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        received += chunk.byteLength;
        if (received % (1024 * 1024) < chunk.byteLength) {
          gc();
          peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
        }
        done();
      },
    });
    await gw.downloadMedia(res, { to: () => sink, config });
    assert.equal(received, SIZE);
    assert.ok(peak < SIZE / 4, `live buffers peaked at ${peak} bytes for a ${SIZE}-byte download`);
  });

  it("fails with the provider's auth error when no key is available", async () => {
    const gw = gateway();
    const res = await gw.generateVideo({ provider: "keyed", model: "v", apiKey: KEY, baseUrl: fake.url }, { prompt: "x" });
    await assert.rejects(gw.downloadMedia(res, { to: join(dir, "nokey.mp4"), config: { apiKey: undefined } }), AuthenticationError);
  });

  it("writes data: URL outputs, numbering files when there are several", async () => {
    const gw = createGateway({ logLevel: "silent" });
    const res = await gw.generateImage({ provider: "mock", mock: { latencyMs: 0 } }, { prompt: "x", size: "32x32", n: 2 });
    const saved = await gw.downloadMedia(res, { to: join(dir, "img.png") });
    assert.deepEqual(saved.map((s) => s.path), [join(dir, "img-1.png"), join(dir, "img-2.png")]);
    assert.equal((await readFile(saved[0]!.path!)).subarray(1, 4).toString(), "PNG");
  });
});
