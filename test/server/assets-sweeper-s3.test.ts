import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createLogger } from "../../src/core/logger.js";
import { AssetStore } from "../../packages/server/src/server/assets/store.js";
import { AssetSweeper } from "../../packages/server/src/server/assets/sweeper.js";
import { DatabaseHandle } from "../../packages/server/src/server/db/handle.js";
import { S3Storage } from "../../packages/server/src/server/storage/s3.js";
import { assetKey } from "../../packages/server/src/server/storage/storage.js";
import { type Radosgw, startRadosgw } from "../helpers/radosgw.js";

const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");

describe("asset sweeper on an S3-compatible store (Ceph radosgw)", () => {
  let rgw: Radosgw;
  let database: DatabaseHandle;
  before(async () => {
    rgw = await startRadosgw();
    database = new DatabaseHandle({ dir: "memory://" });
    await database.db();
  }, { timeout: 120_000 });
  after(async () => {
    await database?.close();
    await rgw?.stop();
  });

  it("lists under the configured prefix page by page and removes only old objects without rows", async () => {
    const s3 = new S3Storage({
      endpoint: rgw.endpoint,
      region: rgw.region,
      bucket: "tarash-sweep",
      prefix: "env-sweep",
      credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
      createBucket: true,
    });
    const store = new AssetStore(database, s3);
    const tenant = `s3-${randomUUID().slice(0, 8)}`;
    const orphans: string[] = [];
    for (let i = 0; i < 7; i++) {
      const key = assetKey(tenant, "image", "image/png");
      await s3.put(key, PNG, { mediaType: "image/png" });
      orphans.push(key);
    }
    const kept = assetKey(tenant, "video", "video/mp4");
    await s3.put(kept, PNG, { mediaType: "video/mp4" });
    await store.insert([
      {
        id: /([0-9a-f-]{36})\.mp4$/.exec(kept)![1]!,
        createdAt: new Date(),
        tenant,
        keyId: undefined,
        kind: "video",
        prompt: "kept",
        provider: "mock",
        model: "mock-video",
        settings: {},
        storageKey: kept,
        mediaType: "video/mp4",
        bytes: PNG.length,
        width: undefined,
        height: undefined,
        durationSeconds: 2,
        costUsd: undefined,
        jobId: undefined,
        requestId: undefined,
        isMock: true,
      },
    ]);
    // Not an asset key: the sweeper never touches what the gateway did not name.
    await s3.put(`customers/${tenant}/notes.txt`, PNG, { mediaType: "text/plain" });

    const listed: string[] = [];
    for await (const o of s3.list!(`customers/${tenant}/`)) listed.push(o.key);
    assert.equal(listed.length, 9);
    assert.ok(listed.every((k) => k.startsWith(`customers/${tenant}/`)), "keys come back without the store's prefix");

    // Two hours ahead with a one-hour grace age: the objects just written are old enough to go.
    const sweeper = new AssetSweeper(store, s3, createLogger({ level: "silent" }), {
      intervalMs: 60_000,
      graceMs: 3600_000,
      batchSize: 3,
      maxObjectsPerRun: 4,
      now: () => Date.now() + 2 * 3600_000,
    });
    let removed = 0;
    let runs = 0;
    for (let wrapped = false; !wrapped && runs < 20; runs++) {
      const report = await sweeper.runOnce();
      assert.ok(report.scanned <= 4);
      removed += report.removedObjects;
      wrapped = report.wrapped;
    }
    await sweeper.stop();
    assert.ok(runs >= 3, `resumed across runs (${runs})`);
    assert.equal(removed, orphans.length);
    for (const key of orphans) assert.equal(await s3.get(key), undefined);
    assert.ok(await s3.get(kept), "the object with a row stays");
    assert.ok(await s3.get(`customers/${tenant}/notes.txt`), "a non-asset key stays");

    // Deleting the asset removes the object, then the row.
    assert.equal(await store.remove(/([0-9a-f-]{36})\.mp4$/.exec(kept)![1]!, tenant), true);
    assert.equal(await s3.get(kept), undefined);
    s3.destroy();
  });
});
