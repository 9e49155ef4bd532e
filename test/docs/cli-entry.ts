// `tarash` for the doc tests: the CLI of this checkout's source, with the server package's source for the
// gateway's commands (bin/tarash.js runs the build in dist/ and imports @tarash-gateway/server).
import { main } from "../../src/cli/main.js";

main(process.argv.slice(2), { loadServer: async () => (await import("../../packages/server/src/cli/index.js")).commands }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  },
);
