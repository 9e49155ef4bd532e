// Runs the CLI from source (tests), exactly as bin/tarash.js runs the build; the gateway's commands come
// from the server package's source (an installed CLI imports @tarash-gateway/server instead).
import { main } from "../../src/cli/main.js";

process.exitCode = await main(process.argv.slice(2), { loadServer: async () => (await import("../../packages/server/src/cli/index.js")).commands });
