import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { register } from "node:module";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { type DocBlock, docFiles, extractBlocks, shellCommands } from "./docs/blocks.js";

/**
 * Doc tests: every code block of README.md and docs/ that can run here runs, so a stale example fails CI.
 * - TypeScript blocks are type-checked against this checkout's source, then executed with the default
 *   gateway in mock mode (`TARASH_MOCK=1`): every call is validated against its real model's catalog entry
 *   (ids, sizes, durations, lifecycle) and runs end to end offline. Blocks that talk to the gateway on
 *   127.0.0.1:8787 reach a gateway started here on the embedded defaults.
 * - Shell blocks: `tarash …` lines run with this checkout's CLI (also in mock mode, in a scratch folder),
 *   `curl …` lines against the embedded-defaults gateway and must get a 2xx.
 * - JSON blocks that are gateway configs must pass the config schema.
 */

const exec = promisify(execFile);
const ROOT = resolve(fileURLToPath(import.meta.url), "../..");
const SCRATCH = join(ROOT, "test-artifacts", "doc-blocks");
const FIXTURES = join(ROOT, "test/docs/fixtures.ts");
const CLI = join(ROOT, "test/docs/cli-entry.ts");

// The snippets import the package by name, as a user would; point the names at this checkout's source.
const TARGETS: Record<string, string> = {
  "tarash-gateway": pathToFileURL(join(ROOT, "src/index.ts")).href,
  "@tarash-gateway/server": pathToFileURL(join(ROOT, "packages/server/src/server/index.ts")).href,
};
register(
  `data:text/javascript,${encodeURIComponent(`const T = ${JSON.stringify(TARGETS)};
export function resolve(specifier, context, next) { return next(Object.hasOwn(T, specifier) ? T[specifier] : specifier, context); }`)}`,
);

// Mock mode for the default gateway: set before the library is first imported.
process.env.TARASH_MOCK = "1";
process.env.TARASH_KEY = "doc-test-gateway-key";
process.env.TARASH_LOG_LEVEL = "silent";

/** Fixtures the snippets use without declaring them (see test/docs/fixtures.ts). */
const FIXTURE_NAMES = ["photoBytes", "frameBytes", "maskBytes", "png", "apiKey"];

/** Shell lines that are not run here, and why. Everything else in a shell block must run. */
const NOT_RUN: { pattern: RegExp; why: string }[] = [
  { pattern: /^npm (test|run bench)/, why: "the test suite and benchmarks themselves" },
  { pattern: /^BENCH_/, why: "a benchmark run" },
  { pattern: /^tarash (serve|worker)\b/, why: "a long-running service; test/server starts the gateway the same way" },
  { pattern: /^open /, why: "opens a browser" },
  { pattern: /^scripts\/radosgw\.sh /, why: "the S3 tests run this script" },
  { pattern: /^tarash (keys|tenants) /, why: "needs a gateway with auth.adminKeys and TARASH_ADMIN_KEY; test/cli/keys.test.ts runs these commands against one" },
  { pattern: /^tarash video cancel /, why: "cancels only a job still running (the documented job has finished by then); test/cli/video-cancel.test.ts runs it against one" },
];

const blocks = docFiles(ROOT).flatMap((file) => extractBlocks(ROOT, file));
const where = (b: DocBlock) => `${b.file}:${b.line}`;
const tsBlocks = blocks.filter((b) => b.lang === "ts");

let libraryNames: string[] = [];
let serverNames: string[] = [];

function blockModule(b: DocBlock, gatewayOrigin: string | undefined): string {
  let code = b.code;
  if (gatewayOrigin) code = code.replace(/http:\/\/(127\.0\.0\.1|localhost):8787/g, gatewayOrigin);
  const imported = new Set<string>();
  const uncommented = code.replace(/(^|\s)\/\/.*$/gm, "$1");
  for (const m of uncommented.matchAll(/import\s+(?:type\s+)?(?:(\w+)\s*,?\s*)?(?:\{([^}]*)\})?\s*from/g)) {
    if (m[1]) imported.add(m[1]);
    for (const n of (m[2] ?? "").split(",")) {
      const name = n.trim().split(/\s+as\s+/).pop();
      if (name) imported.add(name.replace(/^type\s+/, ""));
    }
  }
  const declared = new Set([...code.matchAll(/\b(?:const|let|function|class)\s+(\w+)/g)].map((m) => m[1]!));
  const used = (n: string) => new RegExp(`\\b${n}\\b`).test(code) && !imported.has(n) && !declared.has(n);
  const prelude: string[] = [];
  const lib = libraryNames.filter(used);
  if (lib.length) prelude.push(`import { ${lib.join(", ")} } from "tarash-gateway";`);
  const srv = serverNames.filter((n) => used(n) && !lib.includes(n));
  if (srv.length) prelude.push(`import { ${srv.join(", ")} } from "@tarash-gateway/server";`);
  const fixtures = FIXTURE_NAMES.filter(used);
  if (fixtures.length) prelude.push(`import { ${fixtures.join(", ")} } from ${JSON.stringify(relative(SCRATCH, FIXTURES).replace(/\.ts$/, ".js"))};`);
  return `${prelude.join("\n")}\n// ${where(b)}\n${code}\nexport {};\n`;
}

const fileName = (b: DocBlock) => `${b.file.replace(/[^\w]+/g, "_")}_${b.line}.mts`;

describe("documentation code blocks", () => {
  let server: { url: string; close(reason?: string): Promise<void> } | undefined;
  let origin: string;
  let cwd: string;
  const startDir = process.cwd();

  before(async () => {
    libraryNames = Object.keys(await import("../src/index.js"));
    serverNames = Object.keys(await import("../packages/server/src/server/index.js"));
    await rm(SCRATCH, { recursive: true, force: true });
    await mkdir(SCRATCH, { recursive: true });
    cwd = await mkdtemp(join(tmpdir(), "tarash-docs-"));
    process.chdir(cwd);
    const { startServer, defaultServerConfig } = await import("../packages/server/src/server/index.js");
    server = await startServer({ config: defaultServerConfig(), host: "127.0.0.1", port: 0 });
    origin = server.url;
  });
  after(async () => {
    process.chdir(startDir);
    await server?.close("doc tests done");
  });

  it("finds the blocks (README and docs/ have TypeScript, shell and JSON examples)", () => {
    assert.ok(tsBlocks.length >= 20, `${tsBlocks.length} TypeScript blocks`);
    assert.ok(blocks.some((b) => b.lang === "sh") && blocks.some((b) => b.lang === "json"));
  });

  it("every TypeScript block type-checks against the source", async () => {
    for (const b of tsBlocks) await writeFile(join(SCRATCH, fileName(b)), blockModule(b, undefined));
    const tsconfig = {
      extends: "../../tsconfig.json",
      compilerOptions: {
        noEmit: true,
        rootDir: "../..",
        allowImportingTsExtensions: true,
        // A reader's project is `strict`, which does not include this one (the repository's own code has it).
        noUncheckedIndexedAccess: false,
        paths: { "tarash-gateway": ["../../src/index.ts"], "@tarash-gateway/server": ["../../src/server/index.ts"] },
      },
      include: ["*.mts"],
    };
    await writeFile(join(SCRATCH, "tsconfig.json"), JSON.stringify(tsconfig));
    const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
    const out = await exec(process.execPath, [tsc, "-p", join(SCRATCH, "tsconfig.json")], { cwd: ROOT }).then(
      () => "",
      (e: { stdout?: string }) => e.stdout ?? String(e),
    );
    assert.equal(out, "", `documentation blocks that do not compile (file names say README/docs file and line):\n${out}`);
  });

  for (const b of tsBlocks) {
    it(`${where(b)} runs${b.typecheckOnly ? " (type-checked only, as its annotation says)" : ""}`, { skip: b.typecheckOnly }, async () => {
      const path = join(SCRATCH, `run_${fileName(b)}`);
      await writeFile(path, blockModule(b, origin));
      await import(pathToFileURL(path).href);
    });
  }

  it("every gateway config in the docs passes the config schema", async () => {
    const { parseServerConfig } = await import("../packages/server/src/server/index.js");
    const configs = blocks.filter((b) => b.lang === "json" && b.file.startsWith("docs/server"));
    assert.ok(configs.length >= 2);
    for (const b of configs) {
      const raw: unknown = JSON.parse(b.code);
      // `env:NAME` values need the variable; give every one a value, as an operator would.
      const env = Object.fromEntries(
        [...b.code.matchAll(/"env:(\w+)"/g)].map((m) => [m[1], /REDIS/.test(m[1]!) ? "redis://127.0.0.1:6379" : `value-of-${m[1]}-0123456789abcdef`]),
      );
      assert.doesNotThrow(() => parseServerConfig(raw, env), `${where(b)} is not a valid config`);
    }
  });

  it("every shell command runs", { timeout: 120_000 }, async () => {
    // The files the CLI examples name as the reader's own inputs.
    const { png, styleJpeg } = await import("./docs/fixtures.js");
    await writeFile(join(cwd, "ref.png"), png);
    await writeFile(join(cwd, "style.jpg"), styleJpeg);
    const ran: string[] = [];
    let lastJobId: string | undefined;
    for (const b of blocks.filter((x) => x.lang === "sh")) {
      for (let command of shellCommands(b.code)) {
        command = command.replace(/^npm install && /, "").replace(/^npx tarash /, "tarash ");
        if (NOT_RUN.some((n) => n.pattern.test(command))) continue;
        if (command.includes("<job-id>")) {
          assert.ok(lastJobId, `${where(b)}: "${command}" needs a job submitted by an earlier line`);
          command = command.replaceAll("<job-id>", lastJobId);
        }
        let argv: string[];
        if (command.startsWith("tarash ")) {
          argv = [process.execPath, "--import", import.meta.resolve("tsx"), CLI, ...words(command.slice("tarash ".length))];
        } else if (command.startsWith("curl ")) {
          argv = ["curl", "--fail-with-body", "--max-time", "30", ...words(command.slice(5).replace(/\blocalhost:8787|127\.0\.0\.1:8787/g, new URL(origin).host))];
        } else {
          assert.fail(`${where(b)}: "${command}" is neither run here nor listed as not run (test/docs.test.ts NOT_RUN)`);
        }
        const [bin, ...args] = argv;
        const run = () => exec(bin!, args, { cwd, env: { ...process.env, TARASH_LOG_LEVEL: "warn" }, timeout: 60_000, maxBuffer: 64 << 20 });
        // A job submitted by an earlier line finishes later, as it would for a reader: a download waits for it (bounded).
        const waitsForJob = /^tarash video download /.test(command);
        let result: { stdout: string; stderr: string } | undefined;
        for (let tries = 0; !result; tries++) {
          result = await run().catch((e: { code?: number; stdout?: string; stderr?: string }) => {
            if (waitsForJob && tries < 60 && /still (queued|processing)/.test(e.stderr ?? "")) return undefined;
            return assert.fail(`${where(b)}: "${command}" failed (exit ${e.code}):\n${e.stderr || e.stdout}`);
          });
          if (!result) await new Promise((r) => setTimeout(r, 500));
        }
        lastJobId = /\b(vj_[\w-]+)/.exec(result.stdout)?.[1] ?? lastJobId;
        ran.push(command);
      }
    }
    assert.ok(ran.some((c) => c.startsWith("curl ")) && ran.filter((c) => c.startsWith("tarash ")).length >= 5, `ran: ${ran.join("; ")}`);
  });
});

/** Split a shell line into words the way sh does for these simple commands (quotes, no expansion). */
function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}
