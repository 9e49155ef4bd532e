import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { createLogger } from "../../src/core/logger.js";

const loggerModule = fileURLToPath(new URL("../../src/core/logger.ts", import.meta.url));

/** Issue #12 item 3: request logs cost little when on; one write per line was a system call per request. */
describe("the default log sink (stderr)", () => {
  it("writes the lines of one event-loop turn with one write, in order", async () => {
    const log = createLogger({ level: "info" });
    const writes: string[] = [];
    const original = process.stderr.write;
    process.stderr.write = ((chunk: string) => {
      writes.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      for (let i = 0; i < 200; i++) log.info({ i }, "request");
      assert.equal(writes.length, 0, "nothing written synchronously");
      await new Promise((r) => setImmediate(r));
    } finally {
      process.stderr.write = original;
    }
    assert.equal(writes.length, 1);
    const lines = writes[0]!.trimEnd().split("\n").map((l) => JSON.parse(l) as { i: number; msg: string });
    assert.deepEqual(lines.map((l) => l.i), Array.from({ length: 200 }, (_, i) => i));
  });

  it("still writes lines logged just before the process exits", () => {
    const script = `import { createLogger } from ${JSON.stringify(loggerModule)}; createLogger({ level: "info" }).info({ last: true }, "bye"); process.exit(3);`;
    const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 30_000 });
    assert.equal(run.status, 3, run.stderr);
    assert.match(run.stderr, /"msg":"bye".*"last":true/);
  });
});
