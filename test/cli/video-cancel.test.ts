import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createGateway } from "../../src/index.js";
import { runTarash } from "../helpers/run-cli.js";

/**
 * Issue #10 row 14: `tarash video cancel` on a mock job from another process printed "cancelled", then the
 * job completed. The cancel is now recorded where every process sees it, and the CLI reports what is true.
 */
const tarash = runTarash;

describe("tarash video cancel on a mock job, across processes", { timeout: 120_000 }, () => {
  let dir: string;
  let stateDir: string;
  let env: Record<string, string>;
  const previous = process.env.TARASH_MOCK_STATE_DIR;
  const gw = createGateway({ logLevel: "silent" });
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tarash-cancel-"));
    stateDir = join(dir, "state");
    // This process (where the jobs are submitted) and the CLI processes share the mock's state.
    process.env.TARASH_MOCK_STATE_DIR = stateDir;
    env = { TARASH_MOCK_STATE_DIR: stateDir };
  });
  after(async () => {
    if (previous === undefined) delete process.env.TARASH_MOCK_STATE_DIR;
    else process.env.TARASH_MOCK_STATE_DIR = previous;
    await rm(dir, { recursive: true, force: true });
  });

  it("cancels a running job for every process: the CLI that cancels, another CLI, the submitter", async () => {
    const job = await gw.submitVideo({ provider: "mock", mock: { latencyMs: 60_000 } }, { prompt: "a long take" });
    const cancel = await tarash(["video", "cancel", job.jobId], dir, env);
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.match(cancel.stderr, new RegExp(`^cancelled ${job.jobId}$`, "m"));
    const status = await tarash(["video", "status", job.jobId, "--json"], dir, env);
    assert.equal(status.code, 0, status.stderr);
    assert.equal((JSON.parse(status.stdout) as { status: string }).status, "cancelled");
    assert.equal((await gw.getVideoStatus(job.jobId)).status, "cancelled");
    assert.equal((await readdir(stateDir)).length, 1, "one small record for the cancelled job");
  });

  it("says so, and exits non-zero, when the job has already completed", async () => {
    const job = await gw.submitVideo({ provider: "mock", mock: { latencyMs: 0 } }, { prompt: "a short take" });
    const cancel = await tarash(["video", "cancel", job.jobId, "--json"], dir, env);
    assert.notEqual(cancel.code, 0);
    assert.match(cancel.stderr, /already completed; there is nothing to cancel/);
    assert.doesNotMatch(cancel.stderr + cancel.stdout, /"cancelled":true|^cancelled/m);
    assert.equal((await gw.getVideoStatus(job.jobId)).status, "completed");
  });

  it("reports the state it read back with --json", async () => {
    const job = await gw.submitVideo({ provider: "mock", mock: { latencyMs: 60_000 } }, { prompt: "another long take" });
    const cancel = await tarash(["video", "cancel", job.jobId, "--json"], dir, env);
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.deepEqual(JSON.parse(cancel.stdout), { jobId: job.jobId, cancelled: true, status: "cancelled" });
  });
});
