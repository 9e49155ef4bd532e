import assert from "node:assert/strict";
import { type IncomingHttpHeaders, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { createGateway } from "../../src/index.js";
import { FAL_KEY, type FalFake } from "../fakes/fal.js";
import { startFalVideoFake } from "../fakes/fal-video.js";
import { LUMA_KEY, type LumaFake, startLumaFake } from "../fakes/luma.js";
import { fakeMp4 } from "../fakes/openai-video.js";
import { RUNWAY_KEY, type RunwayFake, startRunwayFake } from "../fakes/runway.js";

/**
 * Outputs on public CDNs (Runway's CloudFront, fal's media host, Luma's asset CDN) are streamed by `downloadMedia`, never
 * held whole. The CDN stub proves it without measuring memory: it sends the first half of a
 * multi-megabyte file and holds the rest until the consumer's stream has received that half. A client
 * that buffered the body before writing would never get there, and the CDN gives up (failing the test).
 */

const SIZE = 6 * 1024 * 1024;
/** Generous: the machine is shared; a streaming client gets the first half in milliseconds. */
const GATE_TIMEOUT_MS = 20_000;

interface GatedCdn {
  url: string;
  /** Headers of every request the CDN served. */
  seen: IncomingHttpHeaders[];
  /** Let the held second half go. */
  release(): void;
  close(): Promise<void>;
}

async function startGatedCdn(content: Uint8Array): Promise<GatedCdn> {
  const seen: IncomingHttpHeaders[] = [];
  let release: () => void = () => {};
  const server = createServer((req, res) => {
    seen.push(req.headers);
    const gate = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), GATE_TIMEOUT_MS);
      release = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    res.writeHead(200, { "content-type": "video/mp4", "content-length": String(content.length) });
    const half = content.length / 2;
    res.write(content.subarray(0, half));
    void gate.then((released) => {
      if (released) res.end(content.subarray(half));
      else res.destroy(new Error("the consumer never received the first half: the body was not streamed"));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    release: () => release(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A sink that releases the CDN once it holds half the file, counting every byte. */
function releasingSink(cdn: GatedCdn): { sink: Writable; received: () => number; releasedAt: () => number | undefined } {
  let received = 0;
  let releasedAt: number | undefined;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      received += chunk.length;
      if (releasedAt === undefined && received >= SIZE / 2) {
        releasedAt = received;
        cdn.release();
      }
      done();
    },
  });
  return { sink, received: () => received, releasedAt: () => releasedAt };
}

const gw = createGateway({ network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logLevel: "silent" });
const content = fakeMp4(SIZE);

describe("video downloads from public CDNs are streamed", () => {
  let cdn: GatedCdn;
  let runway: RunwayFake;
  let fal: FalFake;
  let luma: LumaFake;
  before(async () => {
    cdn = await startGatedCdn(content);
    runway = await startRunwayFake({ outputUrl: (id) => `${cdn.url}/runway/${id}/video.mp4?_jwt=signed` });
    fal = await startFalVideoFake({ fileUrl: (id, i) => `${cdn.url}/fal/${id}-${i}.mp4` });
    luma = await startLumaFake();
  });
  after(async () => {
    await Promise.all([runway.close(), fal.close(), luma.close(), cdn.close()]);
  });

  interface Case {
    name: string;
    config: () => Record<string, unknown> & { provider: string };
    key: string;
    /** Run after the video is made, before it is downloaded. */
    prepare?: () => void;
    /** Where the returned URL points, when not at the CDN itself. */
    urlPrefix?: () => string;
  }
  const cases: Case[] = [
    {
      name: "runway (task output[] URL)",
      config: () => ({ provider: "runway", model: "gen4.5", apiKey: RUNWAY_KEY, baseUrl: runway.url, pollIntervalMs: 1 }),
      key: RUNWAY_KEY,
    },
    {
      name: "fal (result video.url)",
      config: () => ({ provider: "fal", model: "fal-ai/veo3.1", apiKey: FAL_KEY, baseUrl: fal.url, pollIntervalMs: 1 }),
      key: FAL_KEY,
    },
    {
      name: "luma (assets.video, redirected by its CDN)",
      config: () => ({ provider: "luma", model: "ray-2", apiKey: LUMA_KEY, baseUrl: luma.url, pollIntervalMs: 1 }),
      key: LUMA_KEY,
      // Luma's asset host answers with a redirect to the file, as CDNs do; the download follows it.
      prepare: () => luma.server.script("GET", "/cdn/:name", { status: 302, headers: { location: `${cdn.url}/luma/video.mp4` } }),
      urlPrefix: () => luma.server.url,
    },
  ];

  for (const c of cases) {
    it(`${c.name}: downloadMedia writes a ${SIZE / 1024 / 1024} MB video to a stream as it arrives, without the provider key`, async () => {
      const res = await gw.generateVideo(c.config(), { prompt: "a long river" });
      assert.ok(res.video.url.startsWith(c.urlPrefix?.() ?? cdn.url), res.video.url);
      c.prepare?.();
      assert.equal(res.video.requiresProviderAuth, undefined);

      const before = cdn.seen.length;
      const { sink, received, releasedAt } = releasingSink(cdn);
      const saved = await gw.downloadMedia(res, { to: () => sink, config: c.config() });

      assert.equal(received(), SIZE);
      assert.equal(saved[0]!.bytes, SIZE);
      assert.equal(saved[0]!.mediaType, "video/mp4");
      // The sink had half the file while the CDN still held the other half.
      assert.ok(releasedAt()! < SIZE, `released after ${releasedAt()} bytes`);
      const request = cdn.seen.slice(before);
      assert.equal(request.length, 1);
      assert.equal(request[0]!.authorization, undefined);
      assert.ok(!JSON.stringify(request[0]).includes(c.key));
    });
  }
});
