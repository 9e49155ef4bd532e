import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type BrowserContext, type Page, chromium } from "playwright-core";
import { hashApiKey } from "../../packages/server/src/server/index.js";
import { DatabaseHandle } from "../../packages/server/src/server/db/handle.js";
import { type TestServer, startTestServer } from "./helpers.js";

// Debian's chromium, as in playground.test.ts (scripts/install-system-deps.sh installs it).
const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
const ARTIFACTS = join(process.cwd(), "test-artifacts");
const ACME = "tk-gallery-acme-0123456789";
const OTHER = "tk-gallery-other-0123456789";
const auth = (key: string) => ({ authorization: `Bearer ${key}` });

const tiles = (page: Page) => page.$$eval("#assets-grid li", (items) => items.map((li) => ({ id: li.getAttribute("data-id") ?? "", kind: li.getAttribute("data-kind") ?? "" })));

describe("playground asset gallery in Chromium", { timeout: 120_000 }, () => {
  let gw: TestServer;
  let context: BrowserContext;
  let profile: string;
  const problems: string[] = [];

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: install it with scripts/install-system-deps.sh or apt-get install chromium`);
    gw = await startTestServer(
      { auth: { apiKeys: [{ sha256: hashApiKey(ACME), tenant: "acme" }, { sha256: hashApiKey(OTHER), tenant: "other" }] } },
      { database: new DatabaseHandle({ dir: "memory://" }) },
    );
    // 30 images and a video for acme (more than one page of 24), one image of another tenant's.
    for (let i = 0; i < 3; i++) {
      const r = await gw.json("/v1/images/generations", { headers: auth(ACME), body: { model: "mock/mock-image", prompt: `harbour ${i}`, n: 10, size: "64x64", response_format: "url" } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    const video = await gw.json("/v1/jobs", { headers: auth(ACME), body: { kind: "video", config: { model: "mock/mock-video" }, request: { prompt: "waves" } } });
    assert.equal(video.status, 202);
    for (let i = 0; i < 400; i++) {
      const view = await gw.json(`/v1/jobs/${video.body.id as string}`, { headers: auth(ACME) });
      if (view.body.status === "completed") break;
      assert.ok(!["failed", "cancelled"].includes(view.body.status as string), JSON.stringify(view.body));
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal((await gw.json("/v1/images/generations", { headers: auth(OTHER), body: { model: "mock/mock-image", prompt: "not acme's", response_format: "url" } })).status, 200);

    profile = await mkdtemp(join(tmpdir(), "tarash-chromium-"));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 }, timeout: 20_000 });
  });
  after(async () => {
    await context?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    await gw?.stop();
  });

  it("lists the caller's assets as a grid, pages, filters by kind and model, and deletes with a confirming second click", async () => {
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    const unauthorized: string[] = [];
    page.on("response", (r) => {
      if (r.status() === 401) unauthorized.push(new URL(r.url()).pathname);
    });
    await page.goto(gw.url);

    // The key is asked for first; the gallery loads once the app shows.
    await page.waitForSelector("#api-key");
    await page.fill("#api-key", ACME);
    await page.click("#auth-form button[type=submit]");
    await page.click("a[data-view-link=assets]");
    await page.waitForFunction(() => document.querySelectorAll("#assets-grid li").length === 24);
    assert.ok(await page.isVisible("#assets-more"), "a second page is offered");
    assert.match(await page.textContent("#assets-status") ?? "", /24 assets \(more below\)/);
    // Images are real, decoded pictures served by the gateway's signed URLs.
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>("#assets-grid img")].slice(0, 4).every((i) => i.complete && i.naturalWidth > 0));
    const firstSrc = await page.$eval("#assets-grid img", (img) => (img as HTMLImageElement).src);
    assert.match(firstSrc, new RegExp(`^${gw.url}/files/customers/acme/assets/image/`));

    await page.click("#assets-more");
    await page.waitForFunction(() => document.querySelectorAll("#assets-grid li").length === 31);
    assert.equal(await page.isVisible("#assets-more"), false, "no page after the last");
    const all = await tiles(page);
    assert.equal(new Set(all.map((t) => t.id)).size, 31, "no asset twice across pages");
    const text = await page.textContent("#assets-grid");
    assert.doesNotMatch(text ?? "", /not acme's/, "another tenant's asset is not shown");

    // Kind filter: the one video, playable.
    await page.selectOption("#assets-kind", "video");
    await page.waitForFunction(() => document.querySelectorAll("#assets-grid li").length === 1);
    assert.deepEqual((await tiles(page)).map((t) => t.kind), ["video"]);
    assert.ok(await page.$("#assets-grid video[controls]"));
    assert.match((await page.textContent("#assets-grid")) ?? "", /mock\/mock-video/);

    // Model filter (provider/model, as suggested from the catalog), kinds back to all.
    await page.selectOption("#assets-kind", "");
    await page.fill("#assets-model", "mock/mock-video");
    await page.press("#assets-model", "Enter");
    await page.waitForFunction(() => document.querySelectorAll("#assets-grid li").length === 1 && document.querySelector("#assets-grid li")?.getAttribute("data-kind") === "video");
    await page.fill("#assets-model", "mock/mock-image");
    await page.press("#assets-model", "Enter");
    await page.waitForFunction(() => document.querySelectorAll("#assets-grid li").length === 24);
    const suggestions = await page.$$eval("#assets-models option", (os) => os.map((o) => (o as HTMLOptionElement).value));
    assert.ok(suggestions.includes("mock/mock-image"), "models are suggested from the catalog");

    // Delete: the first click only arms the button, the second deletes the asset and its file.
    const victim = (await tiles(page))[0]!.id;
    const button = `#assets-grid li[data-id="${victim}"] .gallery-delete`;
    await page.click(button);
    assert.equal(await page.textContent(button), "Confirm delete");
    assert.equal((await gw.json(`/v1/assets/${victim}`, { headers: auth(ACME) })).status, 200, "nothing deleted on the first click");
    await page.click(button);
    await page.waitForSelector(`#assets-grid li[data-id="${victim}"]`, { state: "detached" });
    assert.match((await page.textContent("#assets-status")) ?? "", /Deleted the image/);
    assert.equal((await gw.json(`/v1/assets/${victim}`, { headers: auth(ACME) })).status, 404);
    const files = await readdir(join(gw.dir, "customers", "acme", "assets", "image"));
    assert.ok(!files.some((f) => f.startsWith(victim)), "the stored file is gone");
    assert.equal(files.length, 29);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "playground-gallery.png"), fullPage: true });
    // The page's own probe for whether a key is needed is the one 401 (Chromium logs it as a console
    // error); the gallery asked for nothing before the key was given.
    assert.deepEqual(unauthorized, ["/v1/models"]);
    assert.deepEqual(
      problems.filter((p) => !/status of 401/.test(p)),
      [],
    );
    await page.close();
  });
});
