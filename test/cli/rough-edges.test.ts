import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { runTarash } from "../helpers/run-cli.js";

/** The rough edges of issue #14 item 5, each as a newcomer meets it: the real CLI in its own process. */
describe("tarash CLI: rough edges", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tarash-rough-"));
  });
  const tarash = (args: string[]) => runTarash(args, dir, { OPENAI_API_KEY: "", BFL_API_KEY: "" });

  it("--model fluxx does not silently run on BFL: exit 2 with did-you-mean suggestions from the catalog", async () => {
    const run = await tarash(["image", "a cat", "--model", "fluxx"]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^error: --model "fluxx" is not in the catalog; only its name suggests bfl; did you mean bfl\/flux-[\w.-]+(, bfl\/flux-[\w.-]+)*\?/);
    assert.match(run.stderr, /name the provider: "bfl\/fluxx", or use --coerce/);
    assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
    // --coerce runs it as asked, with the suggestion as a warning (here it then stops at the missing BFL key: exit 3).
    const coerced = await tarash(["image", "a cat", "--model", "fluxx", "--coerce"]);
    assert.equal(coerced.code, 3, coerced.stderr);
  });

  it("tarash models --provider bogus: exit 2 listing the providers, nothing on stdout", async () => {
    const run = await tarash(["models", "--provider", "bogus"]);
    assert.equal(run.code, 2, run.stdout);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /^error: --provider: unknown provider "bogus"; providers: alibaba, azure-openai, bfl, fal, google, .*openai.*xai\n$/);
    const json = await tarash(["models", "--provider", "bogus", "--json"]);
    assert.equal(json.code, 2);
    const body = JSON.parse(json.stdout) as { error: { type: string; field: string; flag: string; allowed: string[] } };
    assert.equal(body.error.type, "ValidationError");
    assert.equal(body.error.flag, "--provider");
    assert.ok(body.error.allowed.includes("openai") && body.error.allowed.includes("fal"));
  });

  it("errors name the flag that was typed, once: --duration, -n, --size (no library names, no stutter)", async () => {
    const duration = await tarash(["video", "waves", "--mock", "--duration", "99"]);
    assert.equal(duration.code, 2);
    assert.equal(duration.stderr, "error: --duration 99 is not supported by mock/mock-video; allowed: 2, 4, 5, 8\n");
    const count = await tarash(["image", "x", "--mock", "-n", "11"]);
    assert.equal(count.code, 2);
    assert.equal(count.stderr, "error: -n 11 is not supported by mock/mock-image; allowed: 1..10\n");
    const size = await tarash(["image", "x", "--mock", "--size", "7x"]);
    assert.equal(size.code, 2);
    assert.match(size.stderr, /^error: --size: must look like "1024x1024"/);
    for (const r of [duration, count, size]) assert.doesNotMatch(r.stderr, /durationSeconds|Invalid request|\bn: n\b|size: size/, r.stderr);
    // A retired model's advice is in CLI words too.
    const retired = await tarash(["image", "x", "--model", "dall-e-3"]);
    assert.match(retired.stderr, /^error: --model: openai\/dall-e-3 was shut down on 2026-05-12; use openai\/gpt-image-2 instead \(or --coerce to switch automatically\)/);
  });

  it("--json prints one JSON error object on stdout when a command fails, with the same exit codes", async () => {
    const bad = await tarash(["video", "waves", "--mock", "--duration", "99", "--json"]);
    assert.equal(bad.code, 2);
    const v = JSON.parse(bad.stdout) as { error: Record<string, unknown> };
    assert.deepEqual(
      { type: v.error.type, exitCode: v.error.exitCode, field: v.error.field, flag: v.error.flag, allowed: v.error.allowed, provider: v.error.provider, model: v.error.model },
      { type: "ValidationError", exitCode: 2, field: "durationSeconds", flag: "--duration", allowed: [2, 4, 5, 8], provider: "mock", model: "mock-video" },
    );
    assert.equal(v.error.message, "--duration 99 is not supported by mock/mock-video; allowed: 2, 4, 5, 8");
    assert.match(bad.stderr, /^error: --duration 99/, "the human line still goes to stderr");

    const usage = await tarash(["image", "--json"]);
    assert.equal(usage.code, 2);
    assert.deepEqual(JSON.parse(usage.stdout), { error: { type: "UsageError", message: 'a prompt is required: tarash image "a lighthouse at dusk"', exitCode: 2 } });

    const auth = await tarash(["image", "x", "--provider", "openai", "--json"]);
    assert.equal(auth.code, 3, auth.stderr);
    const a = JSON.parse(auth.stdout) as { error: { type: string; exitCode: number; provider: string; model: string; requestId: string } };
    assert.equal(a.error.type, "AuthenticationError");
    assert.equal(a.error.exitCode, 3);
    assert.equal(a.error.provider, "openai");
    assert.equal(a.error.model, "gpt-image-2");
    assert.match(a.error.requestId, /^req_/);

    const job = await tarash(["video", "download", "vj_nope", "--mock", "--json"]);
    assert.notEqual(job.code, 0);
    const j = JSON.parse(job.stdout) as { error: { type: string; exitCode: number } };
    assert.equal(j.error.exitCode, job.code, "the exit code in the object is the process's");
  });
});
