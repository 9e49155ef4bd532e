// Runs the CLI from source (tests), exactly as bin/tarash.js runs the build.
import { main } from "../../src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
