// What the `tarash` CLI (in the tarash-gateway package) loads for its gateway commands. Each command
// imports its own modules when it runs: `tarash mcp` does not load Hono or the database, `tarash serve`
// does not load the MCP stdio transport.
import type { ServerCommands } from "../../../../src/cli/server-commands.js";

export const commands: ServerCommands = {
  runServe: async (argv) => (await import("../server/serve.js")).runServe(argv),
  runWorker: async (argv) => (await import("../server/worker.js")).runWorker(argv),
  mcpCommand: async (argv, version) => (await import("./mcp.js")).mcpCommand(argv, version),
  dbCommand: async (argv, run) => (await import("./db.js")).dbCommand(argv, run),
};
