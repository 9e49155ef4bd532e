import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, type Page, chromium } from "playwright-core";

// Debian's chromium (scripts/install-system-deps.sh installs it; `npm test` runs that first).
const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Where the browser tests leave their screenshots (git-ignored; CI may keep it as an artifact). */
export const ARTIFACTS = join(process.cwd(), "test-artifacts");

export interface Browser {
  context: BrowserContext;
  /** Console errors, page errors and CSP violations seen on any page. */
  problems: string[];
  open(url: string): Promise<Page>;
  close(): Promise<void>;
}

/** Chromium with a fresh profile (deleted on close), a 1280×900 window and every problem recorded. */
export async function launchBrowser(options: { permissions?: string[] } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: the playground browser test drives Debian's chromium. ` +
        "Install it with scripts/install-system-deps.sh (npm test runs it) or `apt-get install chromium`.",
    );
  }
  const dir = await mkdtemp(join(tmpdir(), "tarash-chromium-"));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
    timeout: 20_000,
    ...(options.permissions ? { permissions: options.permissions } : {}),
  });
  const problems: string[] = [];
  return {
    context,
    problems,
    async open(url) {
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(`console: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      await page.goto(url);
      return page;
    },
    async close() {
      await context.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
