import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

/** Issue #10 row 15 in the CLI: a mocked real model's summary says nothing was billed, and what it would cost. */
const DEV = join(import.meta.dirname, "..", "helpers", "tarash-dev.ts");
const TSX = import.meta.resolve("tsx");

function tarash(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", TSX, DEV, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("tarash image --mock --model grok-imagine-image", { timeout: 90_000 }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tarash-mock-cost-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("prints a zero cost marked mock, with the real model's estimate apart", async () => {
    const run = await tarash(["image", "a lighthouse", "--mock", "--model", "grok-imagine-image", "--size", "1024x1024", "--out", "x.png"], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /xai\/grok-imagine-image \(mock\)/);
    assert.match(run.stderr, /^cost: \$0\.0000 \(mock: nothing billed; xai\/grok-imagine-image would cost about \$0\.0200\)$/m);
  });
});
