import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ENV_KEYS } from "../test-live/plan.js";

const ROOT = join(import.meta.dirname, "..");

describe("npm run test:live without keys", () => {
  it("skips every provider with one line naming its key and exits 0, calling nothing", async () => {
    const scripts = (JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    const command = scripts["test:live"];
    assert.ok(command, "package.json has a test:live script");
    // The script as npm runs it, in an environment with no provider key at all.
    const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn("sh", ["-c", command], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" }, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d));
      child.stderr.on("data", (d: Buffer) => (out += d));
      child.on("close", (code) => resolve({ code, out }));
    });
    assert.equal(run.code, 0, run.out);
    assert.ok(Object.keys(ENV_KEYS).length >= 10, "every built-in provider but mock is covered");
    assert.ok(!("mock" in ENV_KEYS));
    for (const [provider, keys] of Object.entries(ENV_KEYS)) {
      const line = run.out.split("\n").find((l) => l.includes(`live: ${provider} (`));
      assert.ok(line, `a line for ${provider}:\n${run.out}`);
      assert.match(line, new RegExp(`# ${keys.join(" / ")} not set`), line);
    }
    assert.match(run.out, /ℹ tests 0/);
    assert.match(run.out, /ℹ fail 0/);
  });
});
