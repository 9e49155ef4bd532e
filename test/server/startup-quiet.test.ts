// #14: no dependency prints a warning at start-up. The AWS SDK (S3 storage) printed a multi-line
// NodeVersionSupportWarning on Node 20 when its client was built; the gateway now loads the SDK only
// with the first call to S3 storage, so a gateway on local storage never loads it.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { createApp, parseServerConfig } from "../../packages/server/src/server/index.js";

const DEV = join(import.meta.dirname, "..", "helpers", "tarash-dev.ts");
const TSX = import.meta.resolve("tsx");
const loaded = (part: string) => Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes(part));

describe("start-up", () => {
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  after(async () => {
    child?.kill("SIGKILL");
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("`tarash serve` starts with nothing on stderr but its own log lines (no runtime or dependency warning)", async () => {
    dir = await mkdtemp(join(tmpdir(), "tarash-quiet-"));
    child = spawn(process.execPath, ["--import", TSX, DEV, "serve", "--port", "0", "--host", "127.0.0.1"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d));
    child.stderr!.on("data", (d: Buffer) => (stderr += d));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start within 120 s; stderr: ${stderr}`)), 120_000);
      child!.stdout!.on("data", () => {
        const m = /listening on (http:\/\/\S+)/.exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child!.once("exit", (code) => reject(new Error(`tarash serve exited (${code}): ${stderr}`)));
    });
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    await health.body?.cancel();
    child.kill("SIGTERM");
    await new Promise((r) => child!.once("exit", r));
    for (const line of stderr.split("\n").filter(Boolean)) {
      assert.doesNotThrow(() => JSON.parse(line), `a line on stderr that is not one of the gateway's JSON log lines: ${line}`);
    }
    assert.doesNotMatch(stderr, /Warning|DeprecationWarning|NodeVersionSupport/);
  });

  it("the AWS SDK loads with the first S3 storage call, not with the gateway (local storage never loads it)", async () => {
    const local = createApp(parseServerConfig({ logLevel: "silent", storage: { dir: join(tmpdir(), "tarash-quiet-local") } }), { env: {} });
    assert.deepEqual(loaded("@aws-sdk"), [], "a gateway on local storage loaded the AWS SDK");
    await local.close();
    const s3 = createApp(
      parseServerConfig({
        logLevel: "silent",
        storage: { type: "s3", endpoint: "http://127.0.0.1:9", region: "us-east-1", bucket: "quiet-bucket", accessKeyId: "AKIAQUIET", secretAccessKey: "quiet-secret-0123456789" },
      }),
      { env: {} },
    );
    assert.equal(s3.state.storage.kind, "s3");
    assert.deepEqual(loaded("@aws-sdk"), [], "building a gateway on S3 storage loaded the AWS SDK before any storage call");
    const health = await s3.state.storage.health();
    assert.equal(health.ok, false, "nothing listens on port 9");
    assert.ok(loaded("@aws-sdk/client-s3").length > 0, "the first storage call loads the SDK");
    await s3.close();
  });
});
