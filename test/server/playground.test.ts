import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { encodePng } from "../../src/providers/mock/encode.js";
import { hashApiKey } from "../../packages/server/src/server/index.js";
import { type TestServer, startTestServer } from "./helpers.js";
import { ARTIFACTS, type Browser, launchBrowser } from "./playground-browser.js";

const TIMEOUT = 30_000;

/** Wait until the first rendered output image has decoded; returns its natural width and src. */
async function loadedImage(page: Page, selector = "#outputs img"): Promise<{ width: number; src: string }> {
  await page.waitForSelector(selector);
  await page.waitForFunction((sel) => {
    const img = document.querySelector<HTMLImageElement>(sel);
    return img !== null && img.complete && img.naturalWidth > 0;
  }, selector);
  return page.$eval(selector, (img) => ({ width: (img as HTMLImageElement).naturalWidth, src: (img as HTMLImageElement).src }));
}

const progressText = (page: Page) => page.$eval("#progress", (p) => p.textContent ?? "");

describe("playground (GET /) in Chromium", { timeout: 90_000 }, () => {
  let gw: TestServer;
  let browser: Browser;
  before(async () => {
    // Enough mock latency that queue positions and percentages are on screen for a while.
    gw = await startTestServer({
      mock: { enabled: true, latencyMs: 1_000 },
      routes: {
        resilient: {
          model: "mock/mock-image",
          retries: 0,
          mock: { errorType: "server_error", failureRate: 1, latencyMs: 0 },
          fallbacks: [{ model: "mock/mock-image", mock: { latencyMs: 0 } }],
        },
        broken: { model: "mock/mock-image", retries: 0, mock: { errorType: "moderation", failureRate: 1, latencyMs: 0 } },
      },
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await gw?.stop();
  });

  it("is served with a strict CSP and no credentials", async () => {
    const res = await fetch(`${gw.url}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    const csp = res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const html = await res.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, "no inline script");
    assert.doesNotMatch(html, /\sstyle=|<style/, "no inline style");
    assert.doesNotMatch(html, /https?:\/\//, "nothing from another origin");
    const js = await fetch(`${gw.url}/playground/playground.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get("content-type") ?? "", /^text\/javascript/);
    const etag = js.headers.get("etag") ?? "";
    assert.equal((await fetch(`${gw.url}/playground/playground.js`, { headers: { "if-none-match": etag } })).status, 304);
    assert.equal((await fetch(`${gw.url}/playground/playground.css`)).status, 200);
  });

  it("generates an image with a reference upload: live progress, the image, provider and cost, recent jobs", { timeout: TIMEOUT }, async () => {
    const page = await browser.open(gw.url);
    await page.waitForSelector("#model option[value='model:mock/mock-image']", { state: "attached" });
    await page.selectOption("#model", "model:mock/mock-image");
    // Only the options the mock image model has are offered.
    for (const id of ["#opt-custom-size", "#opt-quality", "#opt-style", "#opt-resolution", "#opt-n", "#opt-seed", "#opt-images"]) {
      assert.ok(await page.isVisible(id), `${id} is shown for mock-image`);
    }
    for (const id of ["#opt-size", "#opt-aspect", "#opt-duration", "#opt-duration-range"]) {
      assert.equal(await page.isVisible(id), false, `${id} is hidden for mock-image`);
    }
    assert.equal(await page.$eval("#opt-n", (n) => (n as HTMLInputElement).max), "10");

    await page.fill("#prompt", "a red kite over the dunes");
    await page.fill("#opt-custom-size", "320x240");
    await page.selectOption("#opt-quality", "high");
    const png = encodePng({ width: 8, height: 8, pixels: new Uint8Array(8 * 8 * 3).fill(200) });
    await page.setInputFiles("#opt-images", { name: "ref.png", mimeType: "image/png", buffer: Buffer.from(png) });
    await page.waitForSelector("#image-previews li");
    await page.click("#submit");

    // The live region reports progress while the job runs.
    const live = await page.$eval("#progress", (p) => [p.getAttribute("role"), p.getAttribute("aria-live")]);
    assert.deepEqual(live, ["status", "polite"]);
    await page.waitForFunction(() => /Queued|Processing: \d+%/.test(document.getElementById("progress")?.textContent ?? ""));
    await page.waitForFunction(() => /Processing: \d+%/.test(document.getElementById("progress")?.textContent ?? ""));
    assert.equal(await page.isVisible("#cancel"), true, "a running job can be cancelled");

    const img = await loadedImage(page);
    assert.equal(img.width, 320);
    assert.match(img.src, /^(data:image\/|https?:\/\/[^/]+\/files\/)/);
    assert.equal(await progressText(page), "Completed");
    const meta = await page.$eval("#meta", (m) => (m as HTMLElement).innerText);
    assert.match(meta, /Provider\s+mock/);
    assert.match(meta, /Model\s+mock-image/);
    assert.match(meta, /Cost\s+\$0\.0000 \(mock, nothing billed\)/);
    assert.match(meta, /Fallbacks taken\s+none/);
    const log = await page.$eval("#log", (l) => l.textContent ?? "");
    assert.match(log, /queued at the provider \(position 2\)/i);

    // The job the page submitted carried the upload as a data URL in imageList.
    const list = await gw.json("/v1/jobs?limit=1");
    const id = (list.body.data as { id: string }[])[0]!.id;
    const job = await gw.gateway.state.queue.get(id, "default");
    const imageList = job?.request.imageList as { image: string; type: string }[];
    assert.equal(imageList.length, 1);
    assert.equal(imageList[0]!.type, "reference");
    assert.match(imageList[0]!.image, /^data:image\/png;base64,/);
    assert.equal(job?.request.quality, "high");
    assert.equal(job?.request.size, "320x240");

    // Recent jobs of this tenant, newest first, with a thumbnail.
    await page.waitForFunction((jobId) => document.querySelector(`#recent-body button[aria-label="Show job ${jobId}"]`) !== null, id);
    const firstRow = await page.$eval("#recent-body tr", (tr) => (tr as HTMLElement).innerText);
    assert.match(firstRow, /completed/);
    assert.match(firstRow, /mock\/mock-image/);
    await loadedImage(page, "#recent-body tr img");

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "playground.png"), fullPage: true });
    assert.deepEqual(browser.problems, []);
    await page.close();
  });

  it("runs a video job and shows only the video model's options", { timeout: TIMEOUT }, async () => {
    const page = await browser.open(gw.url);
    await page.waitForSelector("#model option", { state: "attached" });
    await page.check("#kind-video");
    await page.selectOption("#model", "model:mock/mock-video");
    for (const id of ["#opt-aspect", "#opt-resolution", "#opt-duration", "#opt-n", "#opt-images"]) assert.ok(await page.isVisible(id), `${id} is shown for mock-video`);
    for (const id of ["#opt-size", "#opt-custom-size", "#opt-quality", "#opt-style"]) assert.equal(await page.isVisible(id), false, `${id} is hidden for mock-video`);
    const durations = await page.$$eval("#opt-duration option", (os) => os.map((o) => (o as HTMLOptionElement).value));
    assert.deepEqual(durations, ["", "2", "4", "5", "8"]);
    await page.fill("#prompt", "waves at night");
    await page.selectOption("#opt-aspect", "16:9");
    await page.selectOption("#opt-duration", "2");
    await page.click("#submit");
    await page.waitForSelector("#outputs video");
    const src = await page.$eval("#outputs video", (v) => (v as HTMLVideoElement).src);
    assert.match(src, /\/files\/customers\/default\/assets\/video\/.+\.mp4\?/);
    assert.equal((await fetch(src)).status, 200);
    assert.match(await page.$eval("#meta", (m) => (m as HTMLElement).innerText), /Model\s+mock-video/);
    assert.deepEqual(browser.problems, []);
    await page.close();
  });

  it("offers configured routes, lists the fallbacks a job took, and reports a failed job", { timeout: TIMEOUT }, async () => {
    const page = await browser.open(gw.url);
    await page.waitForSelector("#model option[value='route:resilient']", { state: "attached" });
    await page.selectOption("#model", "route:resilient");
    await page.fill("#prompt", "a storm over the sea");
    await page.click("#submit");
    await loadedImage(page);
    const meta = await page.$eval("#meta", (m) => (m as HTMLElement).innerText);
    assert.match(meta, /Attempts\s+2/);
    assert.match(meta, /Fallbacks taken\s+mock\/mock-image: failed \(\w+Error[^)]*\), \d+ ms\s+mock\/mock-image: success/);

    await page.selectOption("#model", "route:broken");
    await page.click("#submit");
    await page.waitForFunction(() => /^Failed: /.test(document.getElementById("progress")?.textContent ?? ""));
    assert.match(await progressText(page), /moderat/i);
    assert.equal(await page.isVisible("#submit:not([disabled])"), true, "the form is usable again");
    assert.equal(await page.$$eval("#outputs > *", (n) => n.length), 0);
    assert.deepEqual(browser.problems, []);
    await page.close();
  });

  it("offers the image role only with an image, and fits a phone screen", { timeout: TIMEOUT }, async () => {
    const page = await browser.open(gw.url);
    await page.waitForSelector("#model option", { state: "attached" });
    await page.selectOption("#model", "model:mock/mock-image");
    // "Use images as" appears only once there is an image to use.
    assert.equal(await page.isVisible("#opt-image-type"), false);
    const png = encodePng({ width: 8, height: 8, pixels: new Uint8Array(8 * 8 * 3).fill(90) });
    await page.setInputFiles("#opt-images", { name: "a.png", mimeType: "image/png", buffer: Buffer.from(png) });
    await page.waitForSelector("#image-previews li");
    assert.equal(await page.isVisible("#opt-image-type"), true);
    await page.click("#image-previews button");
    assert.equal(await page.isVisible("#opt-image-type"), false);

    await page.setViewportSize({ width: 390, height: 800 });
    await page.waitForSelector("#recent-body tr"); // earlier tests left jobs, so the wide table is there
    const widths = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(widths[0]! <= widths[1]!, `no sideways scrolling on a phone (page ${widths[0]} px wide in a ${widths[1]} px viewport)`);
    assert.deepEqual(browser.problems, []);
    await page.close();
  });

  it("works from the keyboard alone: Tab to the prompt, type, Enter submits", { timeout: TIMEOUT }, async () => {
    const page = await browser.open(gw.url);
    await page.waitForSelector("#model option", { state: "attached" });
    const tabTo = async (id: string) => {
      for (let i = 0; i < 25; i++) {
        await page.keyboard.press("Tab");
        if (await page.evaluate((want) => document.activeElement?.id === want, id)) return;
      }
      assert.fail(`#${id} is not reachable with Tab`);
    };
    await tabTo("model");
    await page.keyboard.type("mock/mock-i"); // type-ahead in the focused select
    assert.equal(await page.inputValue("#model"), "model:mock/mock-image");
    await tabTo("prompt");
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
    assert.notEqual(outline, "none", "the focused control shows a focus ring");
    await page.keyboard.type("a lighthouse at dusk");
    await page.keyboard.press("Enter");
    assert.equal(await page.inputValue("#prompt"), "a lighthouse at dusk", "Enter submits instead of adding a line");
    await page.waitForFunction(() => /Queued|Processing/.test(document.getElementById("progress")?.textContent ?? ""));
    const img = await loadedImage(page);
    assert.ok(img.width > 0);
    assert.deepEqual(browser.problems, []);
    await page.close();
  });
});

describe("playground with API keys", { timeout: 60_000 }, () => {
  const KEY = "tk_playground_0123456789abcdef";
  let gw: TestServer;
  let browser: Browser;
  before(async () => {
    gw = await startTestServer({ mock: { enabled: true, latencyMs: 200 }, auth: { apiKeys: [{ sha256: hashApiKey(KEY), tenant: "acme" }] } });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await gw?.stop();
  });

  it("asks for the key once, then works (and remembers it for the tab)", { timeout: TIMEOUT }, async () => {
    const page = await browser.open(gw.url);
    await page.waitForSelector("#auth", { state: "visible" });
    assert.equal(await page.isVisible("#app"), false);
    assert.equal(await page.evaluate(() => document.activeElement?.id), "api-key", "the key field has focus");

    await page.fill("#api-key", "tk_wrong_key_000000000000");
    await page.press("#api-key", "Enter");
    await page.waitForFunction(() => /refused/.test(document.getElementById("auth-error")?.textContent ?? ""));
    assert.equal(await page.isVisible("#app"), false);

    await page.fill("#api-key", KEY);
    await page.click("#auth-form button[type=submit]");
    await page.waitForSelector("#app", { state: "visible" });
    assert.match(await page.$eval("#key-status-text", (e) => e.textContent ?? ""), /this tab only/);
    assert.equal(await page.evaluate(() => localStorage.getItem("tarash.playground.apiKey")), null, "not remembered unless asked");

    // A fresh browser on a gateway without routes starts on the free mock model, not the first paid one.
    assert.equal(await page.inputValue("#model"), "model:mock/mock-image");
    await page.check("#kind-video");
    assert.equal(await page.inputValue("#model"), "model:mock/mock-video");
    await page.check("#kind-image");
    await page.fill("#prompt", "a teapot");
    await page.fill("#opt-custom-size", "128x128");
    await page.click("#submit");
    const img = await loadedImage(page);
    assert.equal(img.width, 128);
    assert.match(img.src, /\/files\/customers\/acme\//);
    const list = await gw.json("/v1/jobs", { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal((list.body.data as unknown[]).length, 1);

    // A reload in the same tab does not ask again.
    await page.reload();
    await page.waitForSelector("#app", { state: "visible" });
    assert.equal(await page.isVisible("#auth"), false);
    await page.waitForSelector("#recent-body tr");

    // "Forget key" asks again.
    await page.click("#forget-key");
    await page.waitForSelector("#auth", { state: "visible" });
    assert.equal(await page.evaluate(() => sessionStorage.getItem("tarash.playground.apiKey")), null);
    // The refused request for the wrong key is the only console error (the browser logs 401s).
    assert.ok(browser.problems.every((p) => /401/.test(p)), browser.problems.join("\n"));
    await page.close();
  });
});
