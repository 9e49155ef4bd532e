import { parseArgs } from "node:util";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { createGateway } from "../../../../src/core/gateway.js";
import { redactString } from "../../../../src/core/redact.js";
import { createMcpServer } from "../mcp/server.js";
import { EXIT, UsageError } from "../../../../src/cli/exit-codes.js";
import { parseCommand, withUsage } from "../../../../src/cli/flags.js";

export const MCP_HELP = `tarash mcp — serve the Model Context Protocol over stdio (for agents: Claude Desktop, IDEs, ...)

Usage: tarash mcp [--mock] [--verbose]

Tools: generate_image, edit_image, generate_video, get_job, cancel_job, list_models, estimate_cost.
stdout carries only the protocol; logs go to stderr.

Options
      --mock       run every tool offline on the mock provider (validated against the real model's catalog entry)
  -v, --verbose    debug logs on stderr
  -h, --help       this help

Provider keys come from the environment (OPENAI_API_KEY, FAL_KEY, ...), as for tarash image.
Client config (Claude Desktop):  { "mcpServers": { "tarash": { "command": "npx", "args": ["tarash", "mcp"] } } }
`;

/** Runs until the client closes stdin (or SIGINT/SIGTERM); returns the exit code. */
export async function mcpCommand(argv: string[], version: string): Promise<number> {
  const { values, positionals } = withUsage(() =>
    parseArgs(
      parseCommand(argv, {
        mock: { type: "boolean" },
        verbose: { type: "boolean", short: "v" },
        help: { type: "boolean", short: "h" },
      }),
    ),
  );
  if (positionals.length > 0) throw new UsageError(`tarash mcp takes no arguments (got ${JSON.stringify(positionals[0])})`);
  if (values.help) {
    process.stdout.write(MCP_HELP);
    return EXIT.ok;
  }
  const gateway = createGateway({
    logLevel: values.verbose ? "debug" : "warn",
    ...(values.mock ? { mock: { enabled: true } } : {}),
  });
  const server = createMcpServer({
    gateway,
    version,
    // A bug's stack is for the operator (stderr), with any registered secret masked.
    onInternalError: (error, tool) =>
      process.stderr.write(`tarash mcp: ${tool} failed: ${redactString(error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`),
  });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
    // The transport does not watch for end of input: a client that exits closes stdin, and so do we.
    process.stdin.once("end", () => void server.close());
  });
  const stop = () => void server.close();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    await server.connect(transport);
    process.stderr.write(`tarash mcp: serving on stdio${values.mock ? " (mock provider)" : ""}\n`);
    await closed;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  return EXIT.ok;
}
