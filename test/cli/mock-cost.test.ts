import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runTarash } from "../helpers/run-cli.js";

/** Issue #10 row 15 in the CLI: a mocked real model's summary says nothing was billed, and what it would cost. */
const tarash = (args: string[], cwd: string) => runTarash(args, cwd);

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
