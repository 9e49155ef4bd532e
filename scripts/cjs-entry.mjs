// Writes dist/index.cjs, the package's CommonJS entry (`require("tarash-gateway")`). Node 20.19+ and 22.12+
// load ES modules with require(), so the entry hands out the ES module build itself: one copy of the
// library whichever way it is loaded (no dual-package hazard: `instanceof TarashError` holds across both).
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = `"use strict";
// CommonJS entry of tarash-gateway: the ES module build, loaded with require() (Node 20.19+, 22.12+).
try {
  module.exports = require("./index.js");
} catch (error) {
  if (error && error.code === "ERR_REQUIRE_ESM") {
    throw new Error("tarash-gateway: require() of this package needs Node 20.19+ or 22.12+ (it loads ES modules); on older versions use import()");
  }
  throw error;
}
`;
writeFileSync(fileURLToPath(import.meta.resolve("../dist/index.cjs")), entry);
