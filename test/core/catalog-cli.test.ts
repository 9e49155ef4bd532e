import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { ONE_PIXEL_PNG } from "../helpers/fake-server.js";

const DEV = join(import.meta.dirname, "..", "helpers", "tarash-dev.ts");
const TSX = import.meta.resolve("tsx");

function tarash(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", TSX, DEV, ...args], { cwd, env: { ...process.env, TERM: "dumb" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("tarash models: lifecycle in the CLI", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tarash-catalog-cli-"));
  });

  it("hides retired models unless --all, and marks preview, deprecated and retired ones", async () => {
    const shown = await tarash(["models", "--provider", "google", "--as-of", "2026-09-01"], dir);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^PROVIDER\s+MODEL\s+KIND\s+STATUS/);
    assert.match(shown.stdout, /gemini-2\.5-flash-image\s+image\s+deprecated, shuts 2026-10-02/);
    assert.match(shown.stdout, /gemini-3\.1-flash-image\s+image\s{2,}\S/, "GA rows have an empty status");
    assert.doesNotMatch(shown.stdout, /veo-3\.0-generate-001/, "retired on 2026-06-30, hidden");
    const all = await tarash(["models", "--provider", "google", "--all", "--as-of", "2026-09-01"], dir);
    assert.match(all.stdout, /veo-3\.0-generate-001\s+video\s+retired → veo-3\.1-generate-001/);
    const alibaba = await tarash(["models", "--provider", "alibaba"], dir);
    assert.match(alibaba.stdout, /wan2\.5-t2i-preview\s+image\s+preview/);
  });

  it("--json carries the lifecycle of each entry", async () => {
    const res = await tarash(["models", "--json", "--provider", "xai", "--all"], dir);
    const models = JSON.parse(res.stdout) as { model: string; status: string; shutdownOn?: string; replacement?: string; verifiedOn: string; source: string }[];
    const pro = models.find((m) => m.model === "grok-imagine-image-pro")!;
    assert.equal(pro.status, "retired");
    assert.equal(pro.shutdownOn, "2026-05-15");
    assert.equal(pro.replacement, "grok-imagine-image-2.0");
    assert.match(pro.source, /\(third party\)$/);
    assert.ok(models.every((m) => m.status && m.verifiedOn && m.source));
    const live = JSON.parse((await tarash(["models", "--json", "--provider", "xai"], dir)).stdout) as { status: string }[];
    assert.ok(live.length > 0 && live.every((m) => m.status !== "retired"), "retired entries only with --all");
  });

  it("--check exits 0 when nothing needs attention and 1 (with the list) when something does", async () => {
    const ok = await tarash(["models", "--check", "--provider", "openai", "--as-of", "2026-12-07"], dir);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /catalog ok on 2026-12-07/);
    // On the audit day the one thing due is Azure's gpt-image-1.5 (Azure retires it on 2026-12-16).
    const today = await tarash(["models", "--check", "--as-of", "2026-12-07"], dir);
    assert.equal(today.code, 1, today.stdout + today.stderr);
    assert.match(today.stdout, /azure-openai\s+gpt-image-1\.5\s+shutdown-near\s+shuts down on 2026-12-16, in 9 days/);
    assert.equal(today.stdout.trim().split("\n").length, 2, today.stdout);
    // Half a year on, entries verified in November 2026 are stale.
    const later = await tarash(["models", "--check", "--as-of", "2027-06-15"], dir);
    assert.equal(later.code, 1, later.stderr);
    assert.match(later.stdout, /^PROVIDER\s+MODEL\s+NEEDS\s+WHY/);
    assert.match(later.stdout, /stability\s+\S+\s+stale\s+last verified on 2026-11-22/);
    const json = JSON.parse((await tarash(["models", "--check", "--json", "--as-of", "2027-06-15"], dir)).stdout) as { kind: string }[];
    assert.ok(json.length > 0 && json.every((f) => ["shutdown-passed", "shutdown-near", "stale", "unverified"].includes(f.kind)));
    const bad = await tarash(["models", "--check", "--as-of", "next tuesday"], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--as-of must be a day as YYYY-MM-DD/);
  });

  it("tarash image --variation is refused with the reason (exit 2) while no real model serves variations", async () => {
    await writeFile(join(dir, "in.png"), ONE_PIXEL_PNG);
    const res = await tarash(["image", "--variation", "--image", "in.png", "--model", "dall-e-2"], dir);
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, /openai\/dall-e-2 served image variations but was shut down on 2026-05-12/);
    const two = await tarash(["image", "--variation", "--image", "in.png", "--image", "in.png", "--mock"], dir);
    assert.equal(two.code, 2);
    assert.match(two.stderr, /--variation takes exactly one --image/);
    const mocked = await tarash(["image", "--variation", "--image", "in.png", "--mock", "--out", "v.png"], dir);
    assert.equal(mocked.code, 0, mocked.stderr);
  });
});
