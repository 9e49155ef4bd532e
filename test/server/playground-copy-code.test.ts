import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import { readImageDimensions } from "../../src/core/media/sniff.js";
import { hashApiKey } from "../../packages/server/src/server/index.js";
import { type TestServer, startTestServer } from "./helpers.js";
import { ARTIFACTS, type Browser, launchBrowser } from "./playground-browser.js";

const run = promisify(execFile);
const KEY = "tk_copycode_0123456789abcdef";
const TENANT = "copycode";

/** The page with the model list loaded (the key is already in sessionStorage, see before()). */
async function openPlayground(browser: Browser, url: string, hash = ""): Promise<Page> {
  const page = await browser.open(url + hash);
  await page.waitForSelector("#model option", { state: "attached" });
  return page;
}

/**
 * What "tarash-gateway" means for the copied TypeScript: the built declarations, as a user's project sees
 * them, when dist/ is newer than every source file (npm install and CI build it); else the source itself,
 * which is as strict but slower (tsc then checks the whole library too).
 */
async function libraryEntry(): Promise<string> {
  const root = process.cwd();
  const built = await stat(join(root, "dist", "index.d.ts")).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  if (built > 0) {
    let newest = 0;
    for (const entry of await readdir(join(root, "src"), { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
    }
    if (newest <= built) return "../../dist/index.d.ts";
  }
  return "../../src/index.ts";
}

/** Open "Copy as code" for the form as it is, pick a language and return the code shown. */
async function copiedCode(page: Page, lang: "curl" | "ts"): Promise<string> {
  await page.click("#copy-code");
  await page.waitForSelector("#code-dialog[open]");
  await page.click(`#code-lang-${lang}`);
  const code = await page.$eval("#code-text", (p) => p.textContent ?? "");
  await page.keyboard.press("Escape");
  await page.waitForSelector("#code-dialog:not([open])", { state: "attached" });
  return code;
}

describe("playground: copy as code (Chromium)", { timeout: 300_000 }, () => {
  let gw: TestServer;
  let browser: Browser;
  before(async () => {
    gw = await startTestServer({
      mock: { enabled: true, latencyMs: 100 },
      auth: { apiKeys: [{ sha256: hashApiKey(KEY), tenant: TENANT }] },
      routes: {
        resilient: {
          model: "mock/mock-image",
          retries: 0,
          mock: { errorType: "server_error", failureRate: 1, latencyMs: 0 },
          fallbacks: [{ model: "mock/mock-image", mock: { latencyMs: 0 } }],
        },
      },
    });
    browser = await launchBrowser({ permissions: ["clipboard-read", "clipboard-write"] });
    // Every page of this browser starts with the key for this tab, as after typing it once.
    await browser.context.addInitScript((key) => sessionStorage.setItem("tarash.playground.apiKey", key), KEY);
    await mkdir(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await gw?.stop();
  });

  it("copies the form as a curl script that runs against this gateway", { timeout: 60_000 }, async () => {
    const page = await openPlayground(browser, gw.url);
    await page.selectOption("#model", "model:mock/mock-image");
    // Quotes, a dollar sign and a backslash: what a naive shell quoting gets wrong.
    const prompt = `a fox's "den" at $HOME \\ dusk`;
    await page.fill("#prompt", prompt);
    await page.fill("#opt-custom-size", "64x48");
    await page.fill("#opt-seed", "7");
    await page.selectOption("#opt-quality", "high");
    const code = await copiedCode(page, "curl");
    assert.ok(!code.includes(KEY), "the key is never in the copied code");
    assert.match(code, /\$TARASH_API_KEY/);
    assert.equal(await page.evaluate(() => document.activeElement?.id), "copy-code", "closing returns focus to the button");

    // The "Copy" button puts exactly that text on the clipboard.
    await page.click("#copy-code");
    await page.click("#code-lang-curl");
    await page.click("#code-copy");
    await page.waitForFunction(() => /Copied/.test(document.getElementById("code-status")?.textContent ?? ""));
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), code);
    await page.screenshot({ path: join(ARTIFACTS, "playground-copy-code.png") });
    await page.click("#code-close");

    const { stdout } = await run("bash", ["-c", code], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", TARASH_API_KEY: KEY }, timeout: 30_000, maxBuffer: 8 << 20 });
    assert.match(stdout, /^event: completed$/m, stdout.slice(0, 500));
    const completed = stdout.split("\n\n").find((block) => /^event: completed$/m.test(block))!;
    const data = JSON.parse(completed.split("\n").find((l) => l.startsWith("data: "))!.slice(6)) as { result: { images: { url: string }[] } };
    const png = await fetch(data.result.images[0]!.url, { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(png.status, 200);
    const decoded = readImageDimensions(new Uint8Array(await png.arrayBuffer()));
    assert.deepEqual([decoded?.width, decoded?.height], [64, 48]);

    // The gateway received the form exactly: the prompt byte for byte, and the options as typed.
    const list = await gw.json("/v1/jobs?limit=1", { headers: { authorization: `Bearer ${KEY}` } });
    const job = await gw.gateway.state.queue.get((list.body.data as { id: string }[])[0]!.id, TENANT);
    assert.equal(job?.request.prompt, prompt);
    assert.equal(job?.request.size, "64x48");
    assert.equal(job?.request.seed, 7);
    assert.equal(job?.request.quality, "high");
    assert.deepEqual(browser.problems, []);
    await page.close();
  });

  it("copies the form as TypeScript for the library that typechecks and runs", { timeout: 240_000 }, async () => {
    const page = await openPlayground(browser, gw.url);
    await page.selectOption("#model", "model:mock/mock-image");
    await page.fill("#prompt", "two lighthouses, it's night");
    await page.fill("#opt-custom-size", "40x30");
    await page.fill("#opt-n", "2");
    const image = await copiedCode(page, "ts");
    assert.match(image, /^import \{ generateImage \} from "tarash-gateway";$/m);
    await page.selectOption("#model", "route:resilient");
    const route = await copiedCode(page, "ts");
    assert.match(route, /fallbacks: \[/);
    await page.check("#kind-video");
    await page.selectOption("#model", "model:mock/mock-video");
    await page.fill("#prompt", "waves");
    await page.selectOption("#opt-duration", "2");
    await page.selectOption("#opt-aspect", "16:9");
    const video = await copiedCode(page, "ts");
    assert.match(video, /generateVideo/);
    assert.match(video, /durationSeconds: 2/);
    await page.close();

    // A user's project with the repository's strict settings, "tarash-gateway" being this checkout.
    const dir = join(ARTIFACTS, "copied-code");
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const tsconfig = { extends: "../../tsconfig.json", compilerOptions: { noEmit: true, rootDir: "../..", paths: { "tarash-gateway": [await libraryEntry()] } }, include: ["*.ts"] };
    await writeFile(join(dir, "tsconfig.json"), JSON.stringify(tsconfig));
    // Running needs JavaScript behind the name: tsx maps it to the source.
    const runConfig = { ...tsconfig, compilerOptions: { ...tsconfig.compilerOptions, paths: { "tarash-gateway": ["../../src/index.ts"] } } };
    await writeFile(join(dir, "tsconfig.run.json"), JSON.stringify(runConfig));
    await writeFile(join(dir, "image.ts"), image);
    await writeFile(join(dir, "route.ts"), route);
    await writeFile(join(dir, "video.ts"), video);
    const tsc = join(process.cwd(), "node_modules", "typescript", "bin", "tsc");
    const checked = await run(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { timeout: 200_000 }).catch((e: { stdout: string }) => e);
    assert.equal(checked.stdout, "", `the copied TypeScript typechecks:\n${checked.stdout}`);

    // And it runs: the mock provider answers offline with two 40×30 PNGs.
    const { stdout } = await run(process.execPath, ["--import", "tsx", "image.ts"], { cwd: dir, env: { ...process.env, TSX_TSCONFIG_PATH: join(dir, "tsconfig.run.json") }, timeout: 60_000, maxBuffer: 8 << 20 });
    const urls = stdout.split("\n").filter((l) => l.startsWith("data:image/png;base64,"));
    assert.equal(urls.length, 2, stdout.slice(0, 300));
    const png = readImageDimensions(Buffer.from(urls[0]!.split(",")[1]!, "base64"));
    assert.deepEqual([png?.width, png?.height], [40, 30]);
    assert.match(stdout, /^mock\/mock-image, cost: 0 USD$/m);
  });

});
