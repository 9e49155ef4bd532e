import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { hashApiKey } from "../../packages/server/src/server/index.js";
import { type TestServer, startTestServer } from "./helpers.js";
import { ARTIFACTS, type Browser, launchBrowser } from "./playground-browser.js";

const KEY = "tk_layout_0123456789abcdef";
const TENANT = "layout";
const DAY_MS = 24 * 3600 * 1000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The page with the model list loaded (the key is already in sessionStorage, see before()). */
async function openPlayground(browser: Browser, url: string, hash = ""): Promise<Page> {
  const page = await browser.open(url + hash);
  await page.waitForSelector("#model option", { state: "attached" });
  return page;
}

const optionValues = (page: Page) => page.$$eval("#model option", (os) => os.map((o) => (o as HTMLOptionElement).value));

describe("playground layout, model picker and usage view (Chromium)", { timeout: 300_000 }, () => {
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

  it("serves every script and stylesheet the page names, each with the strict CSP", async () => {
    const html = await (await fetch(`${gw.url}/`)).text();
    const refs = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*\shref)="(playground\/[^"]+)"/g)].map((m) => m[1]!);
    assert.ok(refs.includes("playground/usage.js") && refs.includes("playground/usage.css"), refs.join(", "));
    // Modules imported by other modules are not in the HTML: each one must be served as well.
    for (const file of [...refs, "playground/api.js", "playground/views.js", "playground/copy-code.js"]) {
      const res = await fetch(`${gw.url}/${file}`);
      assert.equal(res.status, 200, file);
      assert.match(res.headers.get("content-type") ?? "", file.endsWith(".js") ? /^text\/javascript/ : /^text\/css/, file);
      assert.match(res.headers.get("content-security-policy") ?? "", /script-src 'self'/, file);
      const body = await res.text();
      for (const [, imported] of body.matchAll(/^import .* from "\.\/([\w-]+\.js)";$/gm)) {
        assert.equal((await fetch(`${gw.url}/playground/${imported}`)).status, 200, `${imported}, imported by ${file}`);
      }
    }
  });

  it("shows Generate above the fold at 1280×900 for every model, with the views as tabs", { timeout: 90_000 }, async () => {
    const page = await openPlayground(browser, gw.url);
    const tabs = await page.$$eval("#views-nav a", (as) => as.map((a) => [a.textContent, a.getAttribute("aria-current")]));
    assert.deepEqual(tabs, [
      ["Generate", "page"],
      ["Usage", null],
      ["Assets", null],
    ]);
    const late: string[] = [];
    let models = 0;
    for (const kind of ["image", "video"]) {
      await page.check(`#kind-${kind}`);
      for (const value of await optionValues(page)) {
        await page.selectOption("#model", value);
        models++;
        const [submit, copy] = await page.evaluate(() => ["submit", "copy-code"].map((id) => document.getElementById(id)!.getBoundingClientRect().bottom));
        if (submit! > 900 || copy! > 900) late.push(`${value}: Generate ends at ${submit} px, Copy as code at ${copy} px`);
      }
    }
    assert.ok(models >= 80, `the picker offers the whole catalog (${models} entries)`);
    assert.deepEqual(late, [], "Generate is inside the first 900 px for every model");
    await page.check("#kind-image");
    await page.selectOption("#model", "model:mock/mock-image");
    assert.ok((await page.$eval("#submit", (b) => b.getBoundingClientRect().bottom)) <= 900);
    await page.screenshot({ path: join(ARTIFACTS, "playground-desktop.png") });
    assert.deepEqual(browser.problems, []);
    await page.close();
  });

  it("filters the model picker as you type, from the keyboard", async () => {
    const page = await openPlayground(browser, gw.url);
    const all = await optionValues(page);
    for (let i = 0; i < 30 && (await page.evaluate(() => document.activeElement?.id)) !== "model-search"; i++) await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "model-search", "the filter is reachable with Tab");

    await page.keyboard.type("ideogram");
    const shown = await page.$$eval("#model option", (os) => os.map((o) => o.textContent ?? ""));
    assert.ok(shown.length > 0 && shown.length < all.length, `${shown.length} of ${all.length} shown`);
    assert.ok(shown.every((t) => /ideogram/i.test(t)), shown.join(", "));
    assert.equal(await page.textContent("#model-count"), `${shown.length} of ${all.length} image models match “ideogram”.`);
    const first = (await optionValues(page))[0]!;
    assert.equal(await page.inputValue("#model"), first, "the best match is chosen");
    assert.match((await page.textContent("#model-info")) ?? "", /Ideogram/);

    // Down moves to the filtered list; Down again picks the next match, which updates the form.
    await page.keyboard.press("ArrowDown");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "model");
    if (shown.length > 1) {
      await page.keyboard.press("ArrowDown");
      assert.equal(await page.inputValue("#model"), (await optionValues(page))[1]);
    }

    // Every word must match, in any order.
    await page.fill("#model-search", "image mock");
    // The route matches too: its chain names mock/mock-image.
    assert.deepEqual(await optionValues(page), ["route:resilient", "model:mock/mock-image"]);
    await page.selectOption("#model", "model:mock/mock-image");
    // Enter in the filter goes to the list and never submits the form.
    await page.fill("#prompt", "a kite");
    await page.focus("#model-search");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "model");
    assert.equal(await page.isVisible("#progress-box"), false, "nothing was submitted");

    // A filter matching nothing says so and leaves the list (and the chosen model) as it was.
    await page.fill("#model-search", "zzz-no-such-model");
    assert.equal(await page.textContent("#model-count"), "No image model matches “zzz-no-such-model”; the list is unchanged.");
    assert.deepEqual(await optionValues(page), ["route:resilient", "model:mock/mock-image"]);
    assert.equal(await page.inputValue("#model"), "model:mock/mock-image");
    // Escape clears the filter.
    await page.focus("#model-search");
    await page.keyboard.press("Escape");
    assert.equal(await page.inputValue("#model-search"), "");
    assert.deepEqual(await optionValues(page), all);
    assert.equal(await page.inputValue("#model"), "model:mock/mock-image", "the chosen model stays chosen");

    // Switching kind with a filter that fits none of the other kind's models shows all of them.
    await page.fill("#model-search", "ideogram");
    await page.check("#kind-video");
    assert.equal(await page.inputValue("#model-search"), "");
    assert.ok((await optionValues(page)).includes("model:mock/mock-video"));
    assert.deepEqual(browser.problems, []);
    await page.close();
  });

  it("shows spend per day as an accessible chart with totals by model, an empty state and errors", { timeout: 60_000 }, async () => {
    const today = Date.parse(`${isoDay(Date.now())}T00:00:00Z`);
    const [from, d0, d1, d2, to] = [21, 20, 18, 15, 14].map((n) => isoDay(today - n * DAY_MS)) as [string, string, string, string, string];
    const row = (day: string, tenant: string, model: string, usd: number, extra: { status?: "failed"; actual?: number; mock?: boolean } = {}) => ({
      created_at: `${day}T12:00:00Z`,
      tenant,
      key_id: null,
      route: null,
      request_id: `req_${Math.random().toString(36).slice(2)}`,
      kind: "image" as const,
      provider: model.split("/")[0]!,
      model: model.split("/").slice(1).join("/"),
      status: extra.status ?? ("success" as const),
      error_type: extra.status ? "server_error" : null,
      latency_ms: 900,
      images: extra.status ? 0 : 1,
      video_seconds: 0,
      input_tokens: null,
      output_tokens: null,
      estimated_usd: usd,
      actual_usd: extra.actual ?? null,
      is_mock: extra.mock ?? false,
    });
    await gw.gateway.state.database.run((db) =>
      db
        .insertInto("usage_events")
        .values([
          row(d0, TENANT, "openai/gpt-image-1", 0.04),
          row(d0, TENANT, "openai/gpt-image-1", 0.04),
          row(d1, TENANT, "fal/fal-ai/flux/schnell", 0.003),
          row(d1, TENANT, "fal/fal-ai/flux/schnell", 0, { status: "failed" }),
          row(d2, TENANT, "openai/gpt-image-1", 0.04, { actual: 0.05 }),
          row(d2, TENANT, "mock/mock-image", 0, { mock: true }),
          row(d1, "someone-else", "openai/gpt-image-1", 9.99),
        ])
        .execute(),
    );

    const page = await openPlayground(browser, gw.url);
    await page.click("#views-nav a[href='#usage']");
    await page.waitForSelector("#view-usage", { state: "visible" });
    assert.equal(await page.isVisible("#view-generate"), false, "one view at a time");
    assert.equal(await page.getAttribute("#views-nav a[href='#usage']", "aria-current"), "page");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "usage-title", "focus moves to the view's heading");
    // Opening the view loads the last 30 days at once.
    await page.waitForSelector("#usage-result", { state: "visible" });
    assert.equal(await page.inputValue("#usage-to"), isoDay(today));

    await page.fill("#usage-from", from);
    await page.fill("#usage-to", to);
    await page.click("#usage-show");
    await page.waitForFunction((f) => document.querySelector("#usage-chart title")?.textContent?.includes(f) ?? false, from);
    const chart = await page.$eval("#usage-chart svg", (s) => ({
      role: s.getAttribute("role"),
      labelledBy: (s.getAttribute("aria-labelledby") ?? "").split(" ").map((id) => document.getElementById(id)?.textContent),
      bars: [...s.querySelectorAll(".bars rect")].map((r) => ({ day: r.getAttribute("data-day"), height: Number(r.getAttribute("height")), tip: r.querySelector("title")?.textContent })),
    }));
    assert.equal(chart.role, "img");
    assert.deepEqual(chart.labelledBy, [`Spend per day, ${from} to ${to}`, `Bar chart of 8 days; total $0.1330; highest $0.0800 on ${d0}.`]);
    assert.deepEqual(chart.bars.map((b) => b.day), [0, 1, 2, 3, 4, 5, 6, 7].map((i) => isoDay(Date.parse(`${from}T00:00:00Z`) + i * DAY_MS)));
    const height = (day: string) => chart.bars.find((b) => b.day === day)!.height;
    assert.ok(height(d0) > 0 && chart.bars.every((b) => b.height <= height(d0)), "the dearest day has the tallest bar");
    assert.ok(Math.abs(height(d2) / height(d0) - 0.05 / 0.08) < 0.01, "bars are proportional to spend (the provider's figure counts)");
    assert.ok(Math.abs(height(d1) / height(d0) - 0.003 / 0.08) < 0.01);
    assert.equal(chart.bars.filter((b) => b.height === 0).length, 5, "days without spend have no bar");
    assert.equal(chart.bars.find((b) => b.day === d0)!.tip, `${d0}: $0.0800, 2 attempts`);

    const totals = await page.$eval("#usage-totals", (d) => (d as HTMLElement).innerText.replace(/\s+/g, " "));
    assert.match(totals, /Spend \$0\.1330/);
    assert.match(totals, /Attempts 6 \(1 failed\)/);
    assert.match(totals, /Mock runs 1, not billed/);
    // The table fallback holds the same figures as the chart.
    await page.click("#usage-days-box summary");
    const days = await page.$$eval("#usage-days-body tr", (rs) => rs.map((r) => [...r.children].map((c) => c.textContent)));
    assert.equal(days.length, 8);
    assert.deepEqual(days.find((d) => d[0] === d0), [d0, "2", "0", "$0.0800"]);
    assert.deepEqual(days.find((d) => d[0] === d1), [d1, "2", "1", "$0.0030"]);
    const models = await page.$$eval("#usage-models-body tr", (rs) => rs.map((r) => [...r.children].map((c) => c.textContent)));
    assert.deepEqual(models, [
      ["openai/gpt-image-1", "3", "0", "3 images", "$0.1300"],
      ["fal/fal-ai/flux/schnell", "2", "1", "1 image", "$0.0030"],
      ["mock/mock-image", "1", "0", "1 image", "$0 (mock)"],
    ]);
    assert.doesNotMatch(await page.$eval("#view-usage", (v) => v.textContent ?? ""), /9\.99/, "another tenant's spend never shows");
    await page.screenshot({ path: join(ARTIFACTS, "playground-usage.png"), fullPage: true });

    // A period without usage says so instead of drawing an empty chart.
    await page.fill("#usage-from", isoDay(today - 300 * DAY_MS));
    await page.fill("#usage-to", isoDay(today - 290 * DAY_MS));
    await page.click("#usage-show");
    await page.waitForFunction(() => /^No usage from /.test(document.getElementById("usage-status")?.textContent ?? ""));
    assert.equal(await page.isVisible("#usage-result"), false);
    assert.equal(await page.textContent("#usage-error"), "");

    // The gateway's refusal is shown as an alert, naming the field.
    await page.fill("#usage-from", to);
    await page.fill("#usage-to", from);
    await page.click("#usage-show");
    await page.waitForFunction(() => (document.getElementById("usage-error")?.textContent ?? "").length > 0);
    assert.equal(await page.textContent("#usage-error"), "Could not load usage: from must be before to (from)");
    assert.equal(await page.getAttribute("#usage-error", "role"), "alert");
    // The browser logs the 400 itself; nothing else went wrong.
    assert.ok(browser.problems.every((p) => /400/.test(p)), browser.problems.join("\n"));
    browser.problems.length = 0;

    // Back returns to Generate.
    await page.goBack();
    await page.waitForSelector("#view-generate", { state: "visible" });
    assert.equal(await page.isVisible("#view-usage"), false);
    await page.close();
  });

  it("fits a 390-px phone: no sideways scrolling, the jobs table readable as cards", { timeout: 60_000 }, async () => {
    const submitted = await gw.json("/v1/jobs", { body: { kind: "image", model: "mock/mock-image", request: { prompt: "a phone-sized kite", size: "64x64" } }, headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(submitted.status, 202);
    const page = await openPlayground(browser, gw.url);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.click("#refresh-jobs");
    await page.waitForSelector("#recent-body tr");
    const facts = await page.evaluate(() => {
      const doc = document.documentElement;
      const wrap = document.querySelector("#recent")!.parentElement!;
      const cells = [...document.querySelectorAll("#recent-body td")].map((td) => {
        const r = td.getBoundingClientRect();
        return {
          text: (td as HTMLElement).innerText,
          label: getComputedStyle(td, "::before").content,
          left: r.left,
          right: r.right,
          clipped: td.scrollWidth > td.clientWidth + 1,
          font: parseFloat(getComputedStyle(td).fontSize),
        };
      });
      // No named functions in here: the test's compiler would wrap them in a helper the page does not have.
      const [submit, search, select] = ["submit", "model-search", "model"].map((id) => document.getElementById(id)!.getBoundingClientRect().right);
      const tallest = Math.max(...["model-search", "model"].map((id) => document.getElementById(id)!.getBoundingClientRect().height));
      return { scrollWidth: doc.scrollWidth, wrapScrolls: wrap.scrollWidth > wrap.clientWidth, cells, submit: submit!, search: search!, select: select!, tallest };
    });
    assert.ok(facts.scrollWidth <= 390, `no sideways scrolling (page ${facts.scrollWidth} px wide)`);
    assert.equal(facts.wrapScrolls, false, "the jobs table needs no sideways scrolling of its own");
    assert.ok(facts.cells.length >= 7);
    for (const c of facts.cells) {
      assert.ok(c.left >= 0 && c.right <= 390, `cell "${c.text}" inside the screen (${c.left}–${c.right})`);
      assert.equal(c.clipped, false, `cell "${c.text}" is not cut off`);
      assert.ok(c.font >= 14, `cell "${c.text}" readable (${c.font} px)`);
    }
    // Each cell carries its column name on a phone (the header row is only for screen readers there).
    assert.deepEqual(
      facts.cells.slice(0, 7).map((c) => c.label),
      ['"Created"', '"Kind"', '"Status"', '"Provider / model"', '"Cost"', '"Preview"', "none"],
    );
    assert.ok(facts.submit <= 390 && facts.search <= 390 && facts.select <= 390);
    assert.ok(facts.tallest <= 56, `the filter and the picker stack as one-line controls (${facts.tallest} px tall)`);
    await page.screenshot({ path: join(ARTIFACTS, "playground-phone.png"), fullPage: true });

    await page.click("#views-nav a[href='#usage']");
    await page.waitForSelector("#usage-result", { state: "visible" });
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390, "the usage view fits too");
    await page.screenshot({ path: join(ARTIFACTS, "playground-phone-usage.png"), fullPage: true });
    assert.deepEqual(browser.problems, []);
    await page.close();
  });
});
