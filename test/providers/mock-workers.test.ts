import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import sharp from "sharp";
import { WorkerPool, WorkerPoolError, WorkerTaskError } from "../../src/core/media/worker-pool.js";

/**
 * The media worker pool the mock renders on (issue #10 row 2): bounded, reused, stoppable, and never
 * the reason a process stays alive.
 */
const TASK = new URL("../../src/providers/mock/render-task.js", import.meta.url);
const render = (pool: WorkerPool, side: number, options: { signal?: AbortSignal } = {}) =>
  pool.run<Uint8Array>(TASK, "renderEncoded", { width: side, height: side, seed: 1, format: "png" }, options);

describe("media worker pool", { timeout: 120_000 }, () => {
  it("renders on a worker and reuses it", async () => {
    const pool = new WorkerPool({ size: 1 });
    const [a, b] = await Promise.all([render(pool, 64), render(pool, 48)]);
    assert.equal((await sharp(a).metadata()).width, 64);
    assert.equal((await sharp(b).metadata()).width, 48);
    assert.equal(pool.workers, 1, "one worker served both");
    await pool.drain();
    assert.equal(pool.workers, 0);
    // A drained pool starts a worker again when used.
    assert.equal((await sharp(await render(pool, 16)).metadata()).width, 16);
    await pool.drain();
  });

  it("refuses work beyond its queue at once", async () => {
    const pool = new WorkerPool({ size: 1, maxQueued: 1 });
    const running = render(pool, 1024);
    const waiting = render(pool, 16);
    await assert.rejects(render(pool, 16), (e: unknown) => e instanceof WorkerPoolError && e.reason === "busy");
    await Promise.all([running, waiting]);
    await pool.drain();
  });

  it("drops an aborted task that has not started", async () => {
    const pool = new WorkerPool({ size: 1 });
    const running = render(pool, 1024);
    const controller = new AbortController();
    const waiting = render(pool, 16, { signal: controller.signal });
    controller.abort(new Error("the caller went away"));
    await assert.rejects(waiting, /the caller went away/);
    assert.equal(pool.queued, 0);
    await running;
    await pool.drain();
  });

  it("stops a task past its deadline and keeps serving", async () => {
    // A 4096² WebP takes several seconds of CPU, a 16² PNG a few milliseconds; start-up is not counted.
    const pool = new WorkerPool({ size: 1, taskTimeoutMs: 2_000 });
    assert.ok((await render(pool, 16)).length > 0, "a started worker");
    const big = pool.run(TASK, "renderEncoded", { width: 4096, height: 4096, seed: 1, format: "webp" });
    await assert.rejects(big, (e: unknown) => e instanceof WorkerPoolError && e.reason === "timeout");
    assert.ok((await render(pool, 16)).length > 0, "a new worker took over");
    await pool.drain();
  });

  it("reports a task's own exception as a task error, and an input it cannot send as the caller's", async () => {
    const pool = new WorkerPool({ size: 1 });
    await assert.rejects(pool.run(TASK, "noSuchExport", {}), (e: unknown) => e instanceof WorkerTaskError && /noSuchExport/.test(e.message));
    await assert.rejects(pool.run(TASK, "renderEncoded", { callback: () => 1 }), (e: unknown) => e instanceof Error && e.name === "DataCloneError");
    assert.ok((await render(pool, 16)).length > 0, "the worker still serves");
    assert.equal(pool.workers, 1);
    await pool.drain();
  });

  it("never keeps a process alive once its work is done", async () => {
    const script = `
      import { WorkerPool } from ${JSON.stringify(new URL("../../src/core/media/worker-pool.ts", import.meta.url).href)};
      const pool = new WorkerPool({ size: 2, idleMs: 600000 });
      const out = await pool.run(${JSON.stringify(TASK.href)}, "renderEncoded", { width: 32, height: 32, seed: 1, format: "png" });
      process.stdout.write(String(out.length));
    `;
    const started = Date.now();
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), "--input-type=module", "-e", script], { cwd: join(import.meta.dirname, "..", "..") });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
      child.on("close", (c) => {
        clearTimeout(timer);
        resolve({ code: c, stdout: out });
      });
    });
    assert.equal(code, 0);
    assert.ok(Number(stdout) > 0, stdout);
    assert.ok(Date.now() - started < 60_000, "exited without waiting for the idle worker");
  });
});
