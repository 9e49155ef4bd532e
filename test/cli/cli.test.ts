import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import type { FakeServer } from "../helpers/fake-server.js";
import { FAL_KEY, startFalFake } from "../fakes/fal.js";
import { startOpenAIFake } from "../fakes/openai.js";

const ROOT = join(import.meta.dirname, "..", "..");
const DEV = join(ROOT, "test", "helpers", "tarash-dev.ts");
const ESC = "\x1b[";
// Resolved here: the CLI runs in a temp directory where a bare "tsx" would not resolve.
const TSX = import.meta.resolve("tsx");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function tarash(args: string[], opts: { cwd: string; env?: Record<string, string>; killAfterMs?: number }): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", TSX, DEV, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, TERM: "xterm", ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
      // Send Ctrl-C once the job is visibly running.
      if (opts.killAfterMs !== undefined && stderr.includes("processing")) {
        setTimeout(() => child.kill("SIGINT"), opts.killAfterMs);
        opts.killAfterMs = undefined;
      }
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Run under a pseudo-terminal (util-linux `script`), the way a person at a terminal would. */
function tarashInPty(args: string[], cwd: string): Promise<Run> {
  const quoted = [process.execPath, "--import", TSX, DEV, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  return new Promise((resolve) => {
    const child = spawn("script", ["-qec", quoted, "/dev/null"], { cwd, env: { ...process.env, TERM: "xterm", COLUMNS: "120" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.on("close", (code) => resolve({ code, stdout, stderr: "" }));
  });
}

describe("tarash CLI", () => {
  let dir: string;
  let openai: FakeServer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tarash-cli-"));
    openai = await startOpenAIFake({ apiKey: "sk-cli-test-1234567890" });
  });
  after(() => openai.close());

  it("generates an image on a terminal with a live status line, then a summary", async () => {
    const run = await tarashInPty(["image", "a lighthouse at dusk", "--mock", "--size", "320x200", "--out", "tty.png"], dir);
    assert.equal(run.code, 0, run.stdout);
    assert.ok(run.stdout.includes(`\r${ESC}2K`), "the status line is rewritten in place");
    assert.match(run.stdout, /queue position 2/);
    assert.match(run.stdout, /processing\s+\[#+-*\] 50%\s+\d+\.\ds/);
    assert.match(run.stdout, /wrote tty\.png\s+[\d.]+ KB\s+320×200/);
    assert.match(run.stdout, /mock\/mock-image \(mock\)\s+1 attempt/);
    assert.match(run.stdout, /cost: \$0\.0000/);
    const meta = await sharp(join(dir, "tty.png")).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ["png", 320, 200]);
  });

  it("prints plain lines without escape codes off a terminal, and numbers files for n > 1", async () => {
    const run = await tarash(["image", "many", "--mock", "-n", "3", "--size", "64x64", "--out", "shots/"], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr.includes(ESC), false);
    assert.match(run.stderr, /queued/);
    const files = (await readdir(join(dir, "shots"))).sort();
    assert.equal(files.length, 3);
    assert.ok(files.every((f, i) => f.endsWith(`-${i + 1}.png`)), files.join());
  });

  it("--json prints only the response on stdout", async () => {
    const run = await tarash(["image", "json please", "--mock", "--size", "32x32", "--out", "j.png", "--json"], { cwd: dir });
    assert.equal(run.code, 0);
    const body = JSON.parse(run.stdout) as { provider: string; images: { url: string }[]; files: string[] };
    assert.equal(body.provider, "mock");
    assert.deepEqual(body.files, ["j.png"]);
    assert.equal(run.stderr, "");
  });

  it("names the field on bad input and exits 2, without a stack trace", async () => {
    const run = await tarash(["image", "x", "--mock", "--quality", "ultra"], { cwd: dir });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^error: --quality "ultra" is not supported by mock\/mock-image; allowed: low, medium, high, standard, hd\n$/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
    const usage = await tarash(["image", "x", "--bogus"], { cwd: dir });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^error: Unknown option '--bogus'.*\(see tarash image --help\)\n$/, "one line, not the whole help");
    const count = await tarash(["image", "x", "--mock", "-n", "0"], { cwd: dir });
    assert.equal(count.code, 2);
    assert.match(count.stderr, /^error: -n must be an integer ≥ 1, got "0"/);
    const model = await tarash(["image", "x", "--model", "no-such-model-zz"], { cwd: dir });
    assert.equal(model.code, 2);
    assert.match(model.stderr, /"no-such-model-zz".*providers: .*openai.*tarash models/);
    assert.equal(model.stderr.trim().split("\n").length, 1, model.stderr);
    const verbose = await tarash(["image", "x", "--mock", "--quality", "ultra", "--verbose"], { cwd: dir });
    assert.equal(verbose.code, 2);
    assert.match(verbose.stderr, /\n\s+at /, "--verbose shows the stack");
  });

  it("maps provider failures to distinct exit codes", async () => {
    const base = ["image", "--provider", "openai", "--model", "gpt-image-2", "--base-url", openai.url, "--retries", "0"];
    const auth = await tarash([...base, "a cat"], { cwd: dir, env: { OPENAI_API_KEY: "sk-wrong-key-000000000" } });
    assert.equal(auth.code, 3, auth.stderr);
    assert.doesNotMatch(auth.stderr, /sk-wrong-key-000000000/);
    const moderation = await tarash([...base, "a FORBIDDEN cat"], { cwd: dir, env: { OPENAI_API_KEY: "sk-cli-test-1234567890" } });
    assert.equal(moderation.code, 4, moderation.stderr);
    const ok = await tarash([...base, "a cat", "--size", "1024x1024", "--out", "cat.png"], { cwd: dir, env: { OPENAI_API_KEY: "sk-cli-test-1234567890" } });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /openai\/gpt-image-2/);
  });

  it("takes a fallback when the first model fails", async () => {
    const run = await tarash(["image", "x", "--provider", "openai", "--model", "gpt-image-2", "--base-url", "http://127.0.0.1:9", "--retries", "0", "--fallback", "mock/mock-image", "--size", "1024x1024", "--out", "fb.png"], {
      cwd: dir,
      env: { OPENAI_API_KEY: "sk-cli-test-1234567890" },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /fallback taken/);
    assert.match(run.stderr, /tried openai\/gpt-image-2: HTTPConnectionError/);
    const alone = await tarash(["image", "x", "--provider", "openai", "--model", "gpt-image-2", "--base-url", "http://127.0.0.1:9", "--retries", "0", "--size", "1024x1024"], {
      cwd: dir,
      env: { OPENAI_API_KEY: "sk-cli-test-1234567890" },
    });
    assert.equal(alone.code, 5, alone.stderr);
    assert.match(alone.stderr, /^error \[openai\/gpt-image-2\]: .+$/m);
    assert.doesNotMatch(alone.stderr, /\n\s+at /);
  });

  it("Ctrl-C cancels the job and exits 130", async () => {
    const run = await tarash(["video", "long", "--mock"], { cwd: dir, killAfterMs: 50 });
    assert.equal(run.code, 130, run.stderr);
    assert.match(run.stderr, /cancelling/);
  });

  it("Ctrl-C cancels the job at the provider", async () => {
    const fal = await startFalFake();
    try {
      fal.steps = "hang";
      const run = await tarash(["image", "a slow one", "--provider", "fal", "--model", "fal-ai/flux/schnell", "--base-url", fal.url, "--retries", "0"], {
        cwd: dir,
        env: { FAL_KEY },
        killAfterMs: 0,
      });
      assert.equal(run.code, 130, run.stderr);
      const jobs = [...fal.jobs.values()];
      assert.equal(jobs.length, 1);
      assert.equal(jobs[0]!.cancelled, true, "the fal request was cancelled with PUT …/cancel");
      assert.equal(run.stdout, "");
    } finally {
      await fal.close();
    }
  });

  it("exits 6 when an attempt runs past --timeout", async () => {
    const run = await tarash(["video", "slow", "--mock", "--timeout", "0.3", "--retries", "0"], { cwd: dir });
    assert.equal(run.code, 6, run.stderr);
    assert.match(run.stderr, /^error \[mock\/mock-video\]: .*(timed out|deadline)/m);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });

  it("submits a video job, then checks and downloads it from another process", async () => {
    const submit = await tarash(["video", "waves", "--mock", "--duration", "4", "--submit"], { cwd: dir });
    assert.equal(submit.code, 0, submit.stderr);
    const jobId = submit.stdout.trim();
    assert.match(jobId, /^vj_/);
    const status = await tarash(["video", "status", jobId, "--mock", "--json"], { cwd: dir });
    assert.match(JSON.parse(status.stdout).status as string, /queued|processing|completed/);
    const early = await tarash(["video", "download", jobId, "--mock", "--out", "early.mp4"], { cwd: dir });
    if (early.code !== 0) {
      assert.equal(early.code, 1, early.stderr);
      assert.match(early.stderr, /^error: job is still (queued|processing).*nothing to download yet\n$/);
    }
    await new Promise((r) => setTimeout(r, 1_600));
    const dl = await tarash(["video", "download", jobId, "--mock", "--out", "job.mp4"], { cwd: dir });
    assert.equal(dl.code, 0, dl.stderr);
    const bytes = await readFile(join(dir, "job.mp4"));
    assert.equal(bytes.subarray(4, 8).toString(), "ftyp");
    const done = await tarash(["video", "status", jobId, "--mock"], { cwd: dir });
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /^mock\/mock-video {2}completed {2}.*1 video\(s\); fetch with {2}tarash video download/);
  });

  it("lists the model catalog as a table and as JSON", async () => {
    const table = await tarash(["models", "--provider", "mock"], { cwd: dir });
    assert.match(table.stdout, /^PROVIDER\s+MODEL\s+KIND/);
    assert.match(table.stdout, /mock\s+mock-video\s+video\s+2\/4\/5\/8s/);
    const json = await tarash(["models", "--json", "--kind", "video"], { cwd: dir });
    const models = JSON.parse(json.stdout) as { kind: string }[];
    assert.ok(models.length > 5 && models.every((m) => m.kind === "video"));
  });

  it("has --help for every command", async () => {
    for (const cmd of ["image", "video", "models", "serve", "worker"]) {
      const run = await tarash([cmd, "--help"], { cwd: dir });
      assert.equal(run.code, 0, cmd);
      assert.match(run.stdout, /Usage: tarash/, cmd);
    }
    const version = await tarash(["--version"], { cwd: dir });
    assert.match(version.stdout, /^tarash-gateway \d+\.\d+\.\d+\n$/);
    const unknown = await tarash(["imagine"], { cwd: dir });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^error: unknown command "imagine"; commands: image, video, models, serve, worker/);
  });
});
