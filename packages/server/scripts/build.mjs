// Builds dist/ for publishing. In this repository the server's sources import the library's sources by
// relative path (../../../../src/core/...), so tests and tsx run on sources with no build step and one
// copy of every library class. Published, the library is the `tarash-gateway` package: this compiles
// with tsc into .build/, keeps the server's own output and rewrites each import that resolves into the
// library's src/ to the library's `tarash-gateway/internal/...` subpath (its dist/ file of the same name).
import { execFileSync } from "node:child_process";
import { cpSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const REPO = resolve(PKG, "..", "..");
const BUILD = join(PKG, ".build");
const DIST = join(PKG, "dist");
const LIBRARY_SRC = join(REPO, "src");

rmSync(BUILD, { recursive: true, force: true });
rmSync(DIST, { recursive: true, force: true });
const tsc = createRequire(join(REPO, "package.json")).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", join(PKG, "tsconfig.build.json")], { stdio: "inherit" });

const OWN = join(BUILD, relative(REPO, join(PKG, "src")));
cpSync(OWN, DIST, { recursive: true });
rmSync(BUILD, { recursive: true, force: true });

const SPECIFIER = /((?:\bfrom|\bimport|\bimport\s*\()\s*)(["'])(\.\.?\/[^"'\n]*)\2/g;
let rewritten = 0;
for (const file of walk(DIST)) {
  if (!file.endsWith(".js") && !file.endsWith(".d.ts")) continue;
  const source = join(PKG, "src", relative(DIST, file));
  const text = readFileSync(file, "utf8");
  const out = text.replace(SPECIFIER, (all, head, quote, spec) => {
    const target = resolve(dirname(source), spec);
    if (!target.startsWith(LIBRARY_SRC + sep)) return all;
    rewritten++;
    return `${head}${quote}tarash-gateway/internal/${relative(LIBRARY_SRC, target).split(sep).join("/")}${quote}`;
  });
  if (out !== text) writeFileSync(file, out);
}
console.error(`@tarash-gateway/server: built dist/ (${rewritten} imports of the library rewritten to tarash-gateway/internal/...)`);

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}
