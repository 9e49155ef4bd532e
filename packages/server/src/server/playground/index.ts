import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Hono } from "hono";
import type { AppEnv } from "../state.js";

/**
 * The playground at `GET /`: one static HTML page with its ES modules and stylesheets, shipped as files
 * under `packages/server/assets/playground/` (in the package's "files") so the page is edited as plain HTML/JS/CSS and
 * served the same from `src/` (tsx) and `dist/` (both sit three levels below the package root).
 * The page talks to the public API with the user's key; the server gives it nothing else.
 */

const ASSETS = new URL("../../../assets/playground/", import.meta.url);

const FILES = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/playground/playground.js": { file: "playground.js", type: "text/javascript; charset=utf-8" },
  "/playground/playground.css": { file: "playground.css", type: "text/css; charset=utf-8" },
  "/playground/api.js": { file: "api.js", type: "text/javascript; charset=utf-8" },
  "/playground/views.js": { file: "views.js", type: "text/javascript; charset=utf-8" },
  "/playground/copy-code.js": { file: "copy-code.js", type: "text/javascript; charset=utf-8" },
  "/playground/usage.js": { file: "usage.js", type: "text/javascript; charset=utf-8" },
  "/playground/usage.css": { file: "usage.css", type: "text/css; charset=utf-8" },
  "/playground/gallery.js": { file: "gallery.js", type: "text/javascript; charset=utf-8" },
  "/playground/gallery.css": { file: "gallery.css", type: "text/css; charset=utf-8" },
} as const;

/**
 * No inline script or style, nothing from another origin except media: outputs may be served by an
 * object store on its own origin (signed S3 URLs), and images or video cannot run code.
 */
export const PLAYGROUND_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob: https: http:",
  "media-src 'self' data: blob: https: http:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

interface Loaded {
  body: string;
  etag: string;
}

/** Register `GET /` and the page's assets (outside `/v1`, so no credentials are needed to load it). */
export function playgroundRoutes(app: Hono<AppEnv>): void {
  const cache = new Map<string, Promise<Loaded>>();
  const load = (file: string) => {
    let entry = cache.get(file);
    if (!entry) {
      entry = readFile(new URL(file, ASSETS), "utf8").then((body) => ({
        body,
        etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
      }));
      // A failed read is retried on the next request instead of being cached.
      entry.catch(() => cache.delete(file));
      cache.set(file, entry);
    }
    return entry;
  };

  for (const [path, { file, type }] of Object.entries(FILES)) {
    app.get(path, async (c) => {
      const { body, etag } = await load(file);
      const headers: Record<string, string> = {
        "content-type": type,
        "cache-control": "no-cache",
        etag,
        "content-security-policy": PLAYGROUND_CSP,
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "cross-origin-opener-policy": "same-origin",
      };
      if (c.req.header("if-none-match") === etag) return c.body(null, 304, headers);
      return c.body(body, 200, headers);
    });
  }
}
