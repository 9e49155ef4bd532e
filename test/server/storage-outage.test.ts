import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ProviderDefinition } from "../../src/index.js";
import type { ServerConfigInput } from "../../packages/server/src/server/index.js";
import { type Receiver, type TestServer, startReceiver, startTestServer } from "./helpers.js";

const ACCESS_KEY = "AKIASTORAGEOUTAGE0001";
const SECRET_KEY = "storage-outage-secret-0123456789abcdefgh";
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");

/** A port nothing listens on: connections are refused, as for a store that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function s3Config(endpoint: string): ServerConfigInput["storage"] {
  return { type: "s3", endpoint, bucket: "outage-bucket", accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY };
}

/** A provider whose output is a URL on `origin` (the gateway streams it into storage itself). */
function urlProvider(origin: string): ProviderDefinition {
  return {
    id: "remote",
    requiresApiKey: false,
    models: [{ provider: "remote", model: "remote-image", kind: "image", maxN: 1 }],
    defaultModels: { image: "remote-image" },
    load: async () => ({ generateImage: async () => ({ images: [{ url: `${origin}/out.png`, mediaType: "image/png" }], rawResponse: {} }) }),
  };
}

/** The mock takes a small size; the URL provider declares none. */
const sized = (model: string) => (model === "mock-image" ? { size: "32x32" } : {});

type ErrorBody = { error: { message: string; type: string; code: string } };

async function settledJob(gw: TestServer, id: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const job = await gw.json(`/v1/jobs/${id}`);
    if (["completed", "failed", "cancelled"].includes(job.body.status as string)) return job.body;
    if (Date.now() > deadline) throw new Error(`job ${id} did not settle`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Nothing a client sees may carry a credential, the store's address or a signed URL. */
function assertClean(text: string, endpoint?: string): void {
  assert.ok(!text.includes(SECRET_KEY), "the secret key stays out");
  assert.ok(!text.includes(ACCESS_KEY), "the access key id stays out");
  assert.ok(!/X-Amz-Signature|[?&]sig=/i.test(text), "no signed URL");
  if (endpoint) assert.ok(!text.includes(endpoint), "the store's address stays out");
}

describe("object storage outages", { timeout: 60_000 }, () => {
  let origin: Receiver;
  before(async () => {
    origin = await startReceiver([200], (req, res) => {
      if (req.url !== "/out.png") return false;
      res.writeHead(200, { "content-type": "image/png", "content-length": String(PNG.length) }).end(PNG);
      return true;
    });
  });
  after(() => origin.close());

  it("S3 unreachable: 503 + Retry-After storage_unavailable on every generation path, jobs fail with a StorageError", async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const gw = await startTestServer({ storage: s3Config(endpoint), network: { allowPrivateNetwork: true } }, { providers: [urlProvider(origin.url)] });
    try {
      const started = Date.now();
      const v1 = await gw.json("/v1/images/generations", { body: { model: "mock-image", prompt: "x", size: "32x32", response_format: "url" } });
      assert.equal(v1.status, 503, JSON.stringify(v1.body));
      assert.equal(v1.headers.get("retry-after"), "10");
      const err = (v1.body as ErrorBody).error;
      assert.equal(err.code, "storage_unavailable");
      assert.match(err.message, /^S3 upload failed \(bucket outage-bucket\): ECONNREFUSED \(the store is unreachable\)$/);
      assertClean(JSON.stringify(v1.body), endpoint);
      assert.ok(Date.now() - started < 10_000, "a refused connection fails within the SDK's few retries");

      // A provider URL output streamed into storage takes the other path (the gateway's own upload).
      const remote = await gw.json("/v1/images/generations", { body: { model: "remote/remote-image", prompt: "x", response_format: "url" } });
      assert.equal(remote.status, 503, JSON.stringify(remote.body));
      assert.equal((remote.body as ErrorBody).error.code, "storage_unavailable");

      const legacy = await gw.json("/image/generate", { body: { prompt: "x", settings: { image: { width: 32, height: 32 } }, customer_id: 5, save_to_db: true } });
      assert.equal(legacy.status, 503, JSON.stringify(legacy.body));
      assert.equal(legacy.headers.get("retry-after"), "10");
      assert.equal(legacy.body.success, false);

      for (const model of ["mock-image", "remote/remote-image"]) {
        const created = await gw.json("/v1/jobs", { body: { kind: "image", model, request: { prompt: "x", ...sized(model) } } });
        assert.equal(created.status, 202, JSON.stringify(created.body));
        const job = await settledJob(gw, created.body.id as string);
        assert.equal(job.status, "failed", model);
        const error = job.error as { type: string; status: number; code: string; message: string };
        assert.deepEqual([error.type, error.status, error.code], ["StorageError", 503, "storage_unavailable"], model);
        assert.match(error.message, /S3 upload failed \(bucket outage-bucket\): ECONNREFUSED/);
        assertClean(JSON.stringify(job), endpoint);
      }

      const health = await gw.json("/healthz");
      assert.equal(health.status, 503);
      assert.equal((health.body.dependencies as { storage: { ok: boolean } }).storage.ok, false);
    } finally {
      await gw.stop();
    }
  });

  it("S3 answering with an error: 502 storage_error (no Retry-After), the job fails with a StorageError", async () => {
    const store = await startReceiver([403], (req, res) => {
      req.resume();
      res
        .writeHead(403, { "content-type": "application/xml" })
        .end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
      return true;
    });
    const gw = await startTestServer({ storage: s3Config(store.url) });
    try {
      const v1 = await gw.json("/v1/images/generations", { body: { model: "mock-image", prompt: "x", size: "32x32", response_format: "url" } });
      assert.equal(v1.status, 502, JSON.stringify(v1.body));
      assert.equal(v1.headers.get("retry-after"), null);
      const err = (v1.body as ErrorBody).error;
      assert.equal(err.code, "storage_error");
      assert.match(err.message, /^S3 upload failed \(bucket outage-bucket\): AccessDenied \(HTTP 403\)$/);
      assertClean(JSON.stringify(v1.body), store.url);

      const created = await gw.json("/v1/jobs", { body: { kind: "image", model: "mock-image", request: { prompt: "x", size: "32x32" } } });
      const job = await settledJob(gw, created.body.id as string);
      const error = job.error as { type: string; status: number; code: string };
      assert.deepEqual([job.status, error.type, error.status, error.code], ["failed", "StorageError", 502, "storage_error"]);
    } finally {
      await gw.stop();
      await store.close();
    }
  });

  it("local disk cannot be written: 503 storage_unavailable naming the local storage, not its path", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tarash-disk-outage-"));
    // The storage directory's parent is a file: every write fails (ENOTDIR), as on a dead or read-only disk.
    const blocker = join(dir, "not-a-directory");
    await writeFile(blocker, "x");
    const storageDir = join(blocker, "storage");
    const gw = await startTestServer({ storage: { dir: storageDir }, network: { allowPrivateNetwork: true } }, { providers: [urlProvider(origin.url)] });
    try {
      for (const model of ["mock-image", "remote/remote-image"]) {
        const res = await gw.json("/v1/images/generations", { body: { model, prompt: "x", ...sized(model), response_format: "url" } });
        assert.equal(res.status, 503, `${model}: ${JSON.stringify(res.body)}`);
        assert.equal(res.headers.get("retry-after"), "10");
        const err = (res.body as ErrorBody).error;
        assert.equal(err.code, "storage_unavailable");
        assert.equal(err.message, "local storage: writing the output file failed (ENOTDIR)");
        assert.ok(!JSON.stringify(res.body).includes(dir), "the storage path stays out of the answer");
      }
      const created = await gw.json("/v1/jobs", { body: { kind: "image", model: "mock-image", request: { prompt: "x", size: "32x32" } } });
      const job = await settledJob(gw, created.body.id as string);
      const error = job.error as { type: string; status: number; code: string };
      assert.deepEqual([job.status, error.type, error.status, error.code], ["failed", "StorageError", 503, "storage_unavailable"]);
    } finally {
      await gw.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
