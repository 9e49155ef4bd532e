import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { type Socket, connect, createServer as createNetServer } from "node:net";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { ConfigError, parseServerConfig, startServer } from "../../packages/server/src/server/index.js";
import { S3Storage, S3StorageError } from "../../packages/server/src/server/storage/s3.js";
import { type Radosgw, startRadosgw } from "../helpers/radosgw.js";
import { PNG_SIGNATURE, testDatabase } from "./helpers.js";

const MiB = 1024 * 1024;
let rgw: Radosgw;

before(async () => {
  rgw = await startRadosgw();
}, { timeout: 120_000 });

after(async () => {
  await rgw?.stop();
});

function storage(overrides: Partial<ConstructorParameters<typeof S3Storage>[0]> = {}): S3Storage {
  return new S3Storage({
    endpoint: rgw.endpoint,
    region: rgw.region,
    bucket: "tarash-test",
    credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
    createBucket: true,
    ...overrides,
  });
}

function rawClient(): S3Client {
  return new S3Client({
    endpoint: rgw.endpoint,
    region: rgw.region,
    forcePathStyle: true,
    credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
  });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  return Buffer.from(await new Response(stream).arrayBuffer());
}

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

/** A TCP relay in front of radosgw that counts the bytes the client has sent through it. */
async function countingProxy(target: string): Promise<{ url: string; sent(): number; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  let sent = 0;
  const sockets = new Set<Socket>();
  const server = createNetServer((client) => {
    const upstream = connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => (s === client ? upstream : client).destroy());
    }
    client.on("data", (chunk: Buffer) => {
      sent += chunk.length;
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sent: () => sent,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe("S3Storage on Ceph radosgw", () => {
  it("put/get/delete/url round-trip, keys under the prefix, bucket created on first use", async () => {
    const s3 = storage({ prefix: "/env-test/" });
    const key = `customers/42/assets/image/${randomUUID()}.png`;
    assert.deepEqual(await s3.put(key, PNG, { mediaType: "image/png" }), { key, size: PNG.length });

    const listed = await rawClient().send(new ListObjectsV2Command({ Bucket: "tarash-test", Prefix: "env-test/" }));
    assert.ok(listed.Contents?.some((o) => o.Key === `env-test/${key}`), "stored at {prefix}/customers/{id}/assets/image/{uuid}.png");

    const got = await s3.get(key);
    assert.equal(got?.size, PNG.length);
    assert.equal(got?.mediaType, "image/png");
    assert.deepEqual(await readAll(got!.body), PNG);

    const url = new URL(await s3.url(key));
    assert.equal(url.origin, rgw.endpoint);
    assert.equal(url.pathname, `/tarash-test/env-test/${key}`);
    assert.equal(url.searchParams.get("X-Amz-Expires"), "3600");
    assert.ok(url.searchParams.get("X-Amz-Signature"));
    assert.ok(!url.toString().includes(rgw.secretAccessKey));

    await s3.delete(key);
    assert.equal(await s3.get(key), undefined);
    await s3.delete(key); // missing objects are not an error
    assert.equal(await s3.get(`customers/42/assets/image/${randomUUID()}.png`), undefined);

    assert.equal(await s3.get("../escape.png"), undefined);
    await assert.rejects(s3.put("customers/../x.png", PNG, { mediaType: "image/png" }), S3StorageError);
    assert.deepEqual(await s3.health(), { ok: true });
    s3.destroy();
  });

  it("a presigned URL works with plain fetch and stops working when it expires", async () => {
    const s3 = storage();
    const key = `customers/7/assets/image/${randomUUID()}.png`;
    await s3.put(key, PNG, { mediaType: "image/png" });
    const signedAt = Date.now();
    const url = await s3.url(key, { expiresInSeconds: 2 });
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "image/png");
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), PNG);

    // The signature covers the key: the same query string opens no other object.
    const other = `customers/7/assets/image/${randomUUID()}.png`;
    await s3.put(other, PNG, { mediaType: "image/png" });
    assert.equal((await fetch(url.replace(key, other))).status, 403);

    await new Promise((r) => setTimeout(r, Math.max(0, signedAt + 3_200 - Date.now())));
    const expired = await fetch(url);
    assert.equal(expired.status, 403);
    assert.match(await expired.text(), /AccessDenied|expired/i);
    s3.destroy();
  });

  it("a wrong secret key is refused by radosgw (signatures are verified) and never appears in errors", async () => {
    const wrongSecret = "wrong-secret-key-0123456789-abcdefghijk";
    const s3 = storage({ credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: wrongSecret }, createBucket: false });
    const key = `customers/1/assets/image/${randomUUID()}.png`;
    const error = await s3.put(key, PNG, { mediaType: "image/png" }).then(
      () => assert.fail("the upload with a wrong secret succeeded"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof S3StorageError);
    assert.equal(error.status, 403);
    assert.equal(error.code, "SignatureDoesNotMatch");
    assert.ok(!JSON.stringify({ ...error, message: error.message, stack: error.stack }).includes(wrongSecret));

    const health = await s3.health();
    assert.equal(health.ok, false);
    assert.match(health.detail ?? "", /HTTP 403/);
    assert.ok(!(health.detail ?? "").includes(wrongSecret));

    // A URL presigned with the wrong key is refused too (the good client stored the object).
    const good = storage();
    await good.put(key, PNG, { mediaType: "image/png" });
    assert.equal((await fetch(await good.url(key))).status, 200);
    const forged = await fetch(await s3.url(key));
    assert.equal(forged.status, 403);
    assert.match(await forged.text(), /SignatureDoesNotMatch/);
    s3.destroy();
    good.destroy();
  });

  it("streams a 50 MB upload in parts with bounded memory, and streams it back", { timeout: 60_000 }, async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const total = 50 * MiB;
    const CHUNK = 64 * 1024; // as a provider download arrives

    /** Upload `total` bytes from a pull stream; `onPull(pulled)` runs before every chunk. */
    async function upload(s3: S3Storage, onPull: (pulled: number) => void): Promise<{ key: string; sha256: string }> {
      const hash = createHash("sha256");
      let pulled = 0;
      const body = new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            onPull(pulled);
            if (pulled >= total) return controller.close();
            const chunk = new Uint8Array(CHUNK).fill((pulled / CHUNK) % 251);
            pulled += CHUNK;
            hash.update(chunk);
            controller.enqueue(chunk);
          },
        },
        { highWaterMark: 1 },
      );
      const key = `customers/9/assets/video/${randomUUID()}.mp4`;
      const { size } = await s3.put(key, body, { mediaType: "video/mp4" });
      assert.equal(size, total);
      return { key, sha256: hash.digest("hex") };
    }

    // 1. Memory: (garbage-collected) buffer memory while the upload runs, against a baseline.
    const s3 = storage({ partSizeBytes: 5 * MiB });
    await s3.health(); // the bucket exists before measuring
    gc();
    const baseline = process.memoryUsage().arrayBuffers;
    let peak = 0;
    const first = await upload(s3, (pulled) => {
      if (pulled % MiB !== 0) return;
      gc();
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline);
    });
    assert.ok(peak <= 32 * MiB, `buffers stayed bounded (peak +${(peak / MiB).toFixed(1)} MB during a 50 MB upload)`);

    // 2. Backpressure: through a counting relay, the producer is never far ahead of the network.
    const proxy = await countingProxy(rgw.endpoint);
    const relayed = storage({ endpoint: proxy.url, partSizeBytes: 5 * MiB });
    let maxLag = 0;
    try {
      const second = await upload(relayed, (pulled) => {
        maxLag = Math.max(maxLag, pulled - proxy.sent());
      });
      assert.ok(maxLag <= 24 * MiB, `the upload streamed (producer at most ${(maxLag / MiB).toFixed(1)} MB ahead of the network)`);
      await relayed.delete(second.key);
    } finally {
      relayed.destroy();
      await proxy.close();
    }

    // 3. The object streams back intact.
    const got = await s3.get(first.key);
    assert.equal(got?.size, total);
    assert.equal(got?.mediaType, "video/mp4");
    const back = createHash("sha256");
    let read = 0;
    for await (const part of got!.body) {
      back.update(part);
      read += part.byteLength;
    }
    assert.equal(read, total);
    assert.equal(back.digest("hex"), first.sha256);
    await s3.delete(first.key);
    s3.destroy();
  });

  it("a failing source stream aborts the upload with the source's error and leaves no object", async () => {
    const s3 = storage({ partSizeBytes: 5 * MiB });
    const key = `customers/9/assets/video/${randomUUID()}.mp4`;
    let sentChunks = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sentChunks++ < 7) controller.enqueue(new Uint8Array(MiB));
        else controller.error(new Error("provider download exceeded the size cap"));
      },
    });
    await assert.rejects(s3.put(key, body, { mediaType: "video/mp4" }), /exceeded the size cap/);
    assert.equal(await s3.get(key), undefined);
    const pending = await rawClient().send(new ListMultipartUploadsCommand({ Bucket: "tarash-test", Prefix: key }));
    assert.deepEqual(pending.Uploads ?? [], [], "the multipart upload was aborted");
    s3.destroy();
  });
});

describe("S3Storage without a reachable store", () => {
  it("health() reports the failure quickly, without credentials in the detail", async () => {
    const s3 = new S3Storage({ endpoint: "http://127.0.0.1:1", bucket: "nowhere", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "unreachable-secret-0123456789" } });
    const started = Date.now();
    const health = await s3.health();
    assert.equal(health.ok, false);
    assert.match(health.detail ?? "", /bucket nowhere: S3 HeadBucket failed: ECONNREFUSED/);
    assert.ok(!(health.detail ?? "").includes("unreachable-secret"));
    assert.ok(Date.now() - started < 5_000);
    s3.destroy();
  });
});

describe("the gateway with storage.type = s3", () => {
  it("stores generated images in S3 and returns presigned URLs; health reports s3", async () => {
    const lines: string[] = [];
    const server = await startServer({
      database: testDatabase(),
      env: { S3_ACCESS_KEY: rgw.accessKeyId, S3_SECRET_KEY: rgw.secretAccessKey },
      logger: { debug: (f, m) => lines.push(JSON.stringify([m, f])), info: (f, m) => lines.push(JSON.stringify([m, f])), warn: (f, m) => lines.push(JSON.stringify([m, f])), error: (f, m) => lines.push(JSON.stringify([m, f])) },
      config: {
        logLevel: "debug",
        mock: { enabled: true, latencyMs: 5 },
        server: { port: 0, shutdownTimeoutMs: 5_000 },
        storage: {
          type: "s3",
          endpoint: rgw.endpoint,
          region: rgw.region,
          bucket: "tarash-gateway",
          prefix: "gw",
          accessKeyId: "env:S3_ACCESS_KEY",
          secretAccessKey: "env:S3_SECRET_KEY",
          urlExpiresInSeconds: 600,
          createBucket: true,
        },
      },
    });
    const post = async (path: string, body: unknown) => {
      const res = await fetch(server.url + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    try {
      const legacy = await post("/image/generate", { prompt: "a lighthouse", settings: { image: { width: 32, height: 32 } }, customer_id: 42, save_to_db: true });
      assert.equal(legacy.status, 200, JSON.stringify(legacy.body));
      const imageUrl = new URL((legacy.body.data as { image_url: string }).image_url);
      assert.equal(imageUrl.origin, rgw.endpoint);
      assert.match(imageUrl.pathname, /^\/tarash-gateway\/gw\/customers\/42\/assets\/image\/[0-9a-f-]{36}\.png$/);
      assert.equal(imageUrl.searchParams.get("X-Amz-Expires"), "600");
      const file = await fetch(imageUrl);
      assert.equal(file.status, 200);
      assert.deepEqual([...new Uint8Array(await file.arrayBuffer()).subarray(0, 4)], PNG_SIGNATURE);

      const openai = await post("/v1/images/generations", { model: "mock-image", prompt: "x", size: "32x32", response_format: "url" });
      assert.equal(openai.status, 200, JSON.stringify(openai.body));
      const url = (openai.body.data as { url: string }[])[0]!.url;
      assert.match(url, /\/tarash-gateway\/gw\/customers\/default\/assets\/image\/[0-9a-f-]{36}\.png\?.*X-Amz-Signature=/);
      assert.deepEqual([...new Uint8Array(await (await fetch(url)).arrayBuffer()).subarray(0, 4)], PNG_SIGNATURE);

      // The owner can also read the file through the gateway (streamed from S3).
      const key = new URL(url).pathname.replace(/^\/tarash-gateway\/gw\//, "");
      const viaGateway = await fetch(`${server.url}/files/${key}`);
      assert.equal(viaGateway.status, 200);
      assert.equal(viaGateway.headers.get("content-type"), "image/png");
      assert.deepEqual([...new Uint8Array(await viaGateway.arrayBuffer()).subarray(0, 4)], PNG_SIGNATURE);

      const health = await fetch(`${server.url}/healthz`);
      assert.equal(health.status, 200);
      const dependencies = ((await health.json()) as { dependencies: { storage: unknown } }).dependencies;
      assert.deepEqual(dependencies.storage, { ok: true, kind: "s3" });

      const logs = lines.join("\n");
      assert.ok(!logs.includes(rgw.secretAccessKey), "the S3 secret never reaches the logs");
      assert.ok(!logs.includes(imageUrl.searchParams.get("X-Amz-Signature")!), "presigned signatures never reach the logs");
    } finally {
      await server.close();
    }
  });

  it("a store that refuses the credentials: 502 storage_error, /healthz 503, no secret anywhere", async () => {
    const wrongSecret = "wrong-gateway-secret-0123456789abcdef";
    const lines: string[] = [];
    const sink = (f: Record<string, unknown>, m: string) => lines.push(JSON.stringify([m, f]));
    const server = await startServer({
      database: testDatabase(),
      env: {},
      logger: { debug: sink, info: sink, warn: sink, error: sink },
      config: {
        logLevel: "debug",
        mock: { enabled: true, latencyMs: 5 },
        server: { port: 0, shutdownTimeoutMs: 5_000 },
        storage: { type: "s3", endpoint: rgw.endpoint, bucket: "tarash-gateway", accessKeyId: rgw.accessKeyId, secretAccessKey: wrongSecret },
      },
    });
    try {
      const res = await fetch(`${server.url}/image/generate`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prompt: "x", settings: { image: { width: 32, height: 32 } }, customer_id: 5, save_to_db: true }),
      });
      const text = await res.text();
      assert.equal(res.status, 502, text);
      assert.match(text, /"success":false/);
      assert.ok(!text.includes(wrongSecret));
      const v1 = await fetch(`${server.url}/v1/images/generations`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prompt: "x", size: "32x32", response_format: "url" }),
      });
      assert.equal(v1.status, 502);
      const body = (await v1.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, "storage_error", "a storage failure is not reported as the provider's");
      assert.match(body.error.message, /^S3 upload failed \(bucket tarash-gateway\): SignatureDoesNotMatch \(HTTP 403\)$/, "names the store, the bucket and S3's answer");
      const health = await fetch(`${server.url}/healthz`);
      assert.equal(health.status, 503);
      const storageHealth = ((await health.json()) as { dependencies: { storage: { ok: boolean; kind: string; detail: string } } }).dependencies.storage;
      assert.equal(storageHealth.ok, false);
      assert.equal(storageHealth.kind, "s3");
      assert.match(storageHealth.detail, /SignatureDoesNotMatch|HTTP 403/);
      assert.ok(!lines.join("\n").includes(wrongSecret));
    } finally {
      await server.close();
    }
  });
});

describe("storage config (s3)", () => {
  it("validates the s3 section, resolves env: secrets and keeps local the default", () => {
    const cfg = parseServerConfig(
      { storage: { type: "s3", bucket: "media", endpoint: "http://127.0.0.1:7480", accessKeyId: "env:AK", secretAccessKey: "env:SK" } },
      { AK: "access", SK: "secret-value" },
    );
    assert.equal(cfg.storage.type, "s3");
    if (cfg.storage.type === "s3") {
      assert.equal(cfg.storage.secretAccessKey, "secret-value");
      assert.equal(cfg.storage.region, "us-east-1");
      assert.equal(cfg.storage.urlExpiresInSeconds, 3600);
      assert.equal(cfg.storage.createBucket, false);
    }
    assert.equal(parseServerConfig({}).storage.type, "local");
    const fails = (raw: unknown, env: Record<string, string> = {}) => {
      try {
        parseServerConfig(raw, env);
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.message;
      }
      return assert.fail("accepted an invalid config");
    };
    assert.match(fails({ storage: { type: "s3" } }), /storage\.bucket/);
    assert.match(fails({ storage: { type: "s3", bucket: "media", accessKeyId: "a" } }), /storage\.secretAccessKey: set both/);
    assert.match(fails({ storage: { type: "s3", bucket: "media", accessKeyId: "env:NOPE", secretAccessKey: "x" } }), /storage\.accessKeyId: environment variable NOPE/);
    assert.match(fails({ storage: { type: "s3", bucket: "media", dir: "./x" } }), /storage: unknown field\(s\) "dir"/);
    assert.match(fails({ storage: { type: "s3", bucket: "media", prefix: "a/../b" } }), /storage\.prefix/);
    assert.match(fails({ storage: { type: "s3", bucket: "media", urlExpiresInSeconds: 8 * 24 * 3600 } }), /storage\.urlExpiresInSeconds/);
    assert.match(fails({ storage: { type: "gcs" } }), /storage\.type/);
  });
});
