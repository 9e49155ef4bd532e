/**
 * The library as it ships: the benches import the tsc build in dist/ (`npm run bench` builds it first),
 * not src/ through tsx. tsx wraps every closure of a .ts file in esbuild's `__name` helper, which gives
 * each closure its own property array: ~40% more heap per job and extra CPU on every call, a cost that
 * users of the published package never pay. BENCH_LIB=src measures the sources instead.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

import type * as LibraryModule from "../../src/index.js";
import type * as ServerModule from "../../packages/server/src/server/index.js";

type Library = typeof LibraryModule;
type Server = typeof ServerModule;

export const LIB_SOURCE = process.env.BENCH_LIB === "src" ? "src" : "dist";

/** A file of a build: the library's dist/, or the server package's packages/server/dist/. */
function built(path: string, dist = "dist"): string {
  const url = new URL(`../../${dist}/${path}`, import.meta.url);
  if (!existsSync(fileURLToPath(url))) throw new Error(`${dist}/${path} is missing: run \`npm run build\` first (npm run bench does)`);
  return url.href;
}

export async function loadLibrary(): Promise<Library> {
  if (LIB_SOURCE === "src") return import("../../src/index.js");
  return (await import(built("index.js"))) as Library;
}

export async function loadServer(): Promise<Server> {
  if (LIB_SOURCE === "src") return import("../../packages/server/src/server/index.js");
  return (await import(built("server/index.js", "packages/server/dist"))) as Server;
}
