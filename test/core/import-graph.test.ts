// Runs wherever fetch runs (#14 item 2): the generation path — what `import "tarash-gateway"` loads plus
// every provider adapter it loads with import() when a model of that provider is called — is walked from
// src/index.ts and checked to import no Node built-in statically. The Node-only features below load their
// built-ins (and their modules) with import() when they are used, so generation needs only fetch and Web
// Crypto: Bun, Deno, edge workers.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";

const ROOT = resolve(import.meta.dirname, "..", "..");
const BUILTINS = new Set(builtinModules);
const isBuiltin = (s: string) => s.startsWith("node:") || BUILTINS.has(s.split("/")[0]!);
const packageOf = (s: string) => (s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : s.split("/")[0]!);

/** Modules behind a Node-only feature, reached only through import(): the walk stops at them. */
const NODE_ONLY: Record<string, string> = {
  "src/core/media/save.ts": "downloadMedia({ to }) writing files and Node streams",
  "src/core/media/ssrf.ts": "the SSRF guard of gateway downloads (node:net, node:dns)",
  "src/providers/mock/adapter.ts": "the offline mock provider (renders with node:zlib, job state on disk)",
  "src/core/transport/undici.ts": "the undici transport, chosen only on Node when no fetch is injected (node:stream, node:zlib)",
};

interface Edge {
  from: string;
  specifier: string;
}

interface Import {
  specifier: string;
  /** import(): loaded when the code runs, not when the module is evaluated. */
  lazy: boolean;
}

/** What a module imports: static imports and re-exports that survive compilation, and import() of a literal. */
function importsOf(file: string): Import[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Import[] = [];
  const visit = (node: ts.Node): void => {
    // verbatimModuleSyntax: only `import type` / `export type` disappear; `import { type A }` still loads the module.
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) out.push({ specifier: node.moduleSpecifier.text, lazy: false });
    if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) out.push({ specifier: node.moduleSpecifier.text, lazy: false });
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      out.push({ specifier: node.arguments[0].text, lazy: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

function resolveLocal(from: string, specifier: string): string {
  const target = resolve(dirname(from), specifier);
  const ts = target.replace(/\.js$/, ".ts");
  if (existsSync(ts)) return ts;
  if (existsSync(target)) return target;
  throw new Error(`${relative(ROOT, from)} imports ${specifier}, which does not exist`);
}

/**
 * Every module of the generation path reached from `entry` (static imports and import() of the library's
 * own modules, stopping at NODE_ONLY), with the Node built-ins and packages they import statically and
 * the packages they load with import().
 */
function graph(entry: string): { modules: Set<string>; external: Edge[]; lazyPackages: Set<string> } {
  const modules = new Set<string>();
  const external: Edge[] = [];
  const lazyPackages = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (modules.has(file)) continue;
    modules.add(file);
    for (const { specifier, lazy } of importsOf(file)) {
      if (specifier.startsWith(".")) {
        const target = resolveLocal(file, specifier);
        if (!(lazy && Object.hasOwn(NODE_ONLY, relative(ROOT, target)))) queue.push(target);
      } else if (!lazy) external.push({ from: relative(ROOT, file), specifier });
      else if (!isBuiltin(specifier)) lazyPackages.add(packageOf(specifier));
    }
  }
  return { modules, external, lazyPackages };
}


describe("the library's import graph", () => {
  const { modules, external, lazyPackages } = graph(join(ROOT, "src", "index.ts"));

  it("is the library's own modules (the walk reaches the providers and the core)", () => {
    const files = [...modules].map((m) => relative(ROOT, m));
    assert.ok(files.includes(join("src", "core", "gateway.ts")), "core/gateway.ts is reached");
    assert.ok(files.includes(join("src", "providers", "openai", "adapter.ts")), "the OpenAI adapter is reached");
    assert.ok(files.includes(join("src", "providers", "google", "adapter.ts")), "the Google adapter is reached");
    assert.ok(files.includes(join("src", "core", "media", "download.ts")), "the output download is reached");
    for (const stop of Object.keys(NODE_ONLY)) assert.ok(!files.includes(stop), `${stop} stays behind import()`);
    assert.equal(files.filter((f) => !f.startsWith(`src${"/"}`)).length, 0, "nothing outside src/");
    assert.equal(files.filter((f) => f.startsWith(join("src", "cli"))).length, 0, "the CLI is not part of the library's graph");
  });

  it("imports no Node built-in statically", () => {
    const builtins = external.filter((e) => isBuiltin(e.specifier)).map((e) => `${e.from} → ${e.specifier}`);
    assert.deepEqual(builtins, [], "static imports of Node built-ins on the generation path (load them with import() where they are used)");
  });

  it("loads only its declared dependencies: zod statically, the rest with import()", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const packages = [...new Set(external.filter((e) => !isBuiltin(e.specifier)).map((e) => packageOf(e.specifier)))].sort();
    for (const name of [...packages, ...lazyPackages]) assert.ok(Object.hasOwn(pkg.dependencies, name), `${name} is imported by the library but is not one of its dependencies`);
    assert.deepEqual(packages, ["zod"], "packages the generation path imports statically");
  });
});
