import { readFileSync } from "node:fs";
import { createGateway } from "../core/gateway.js";
import { EXIT, UsageError, exitCodeFor } from "./exit-codes.js";
import { describeError, errorJson } from "./errors.js";
import { KEYS_HELP, keysCommand } from "./keys.js";
import { IMAGE_HELP, imageCommand } from "./image.js";
import { MODELS_HELP, modelsCommand } from "./models.js";
import { refreshCommand } from "./models-refresh.js";
import { VIDEO_HELP, videoCommand } from "./video.js";
import type { RunContext } from "./run.js";
import { type ServerCommands, isServerMissing, loadServerPackage, serverMissingMessage } from "./server-commands.js";
import { createTerminal } from "./terminal.js";

const HELP = `tarash — one CLI for AI image and video generation

Usage: tarash <command> [options]

Commands
  image "<prompt>"   generate images                 (tarash image --help)
  video "<prompt>"   generate videos; submit, status, cancel, download jobs  (tarash video --help)
  models             list models and prices          (tarash models --help)
                     --refresh: compare with the providers' own lists
  serve              run the gateway service (HTTP)  (tarash serve --help)
  worker             run jobs from a Redis queue     (tarash worker --help)
  mcp                serve MCP tools to agents (stdio) (tarash mcp --help)
  db migrate         apply the gateway database's migrations (tarash db --help)
  keys, tenants      issue, list, revoke, rotate API keys; budgets and limits (tarash keys --help)

  --version          print the version

Try it offline:  tarash image "a lighthouse at dusk" --mock --out out.png
Provider keys come from the environment (OPENAI_API_KEY, FAL_KEY, REPLICATE_API_TOKEN, ...).
`;

interface Command {
  help: string;
  run: (argv: string[], run: RunContext & { server: () => Promise<ServerCommands> }) => Promise<number> | number;
  /** Long-running commands install their own SIGINT/SIGTERM handling (graceful shutdown). */
  ownsSignals?: boolean;
}

const COMMANDS: Record<string, Command> = {
  image: { help: IMAGE_HELP, run: (argv, r) => imageCommand(argv, createGateway({ logLevel: logLevel(argv) }), r) },
  video: { help: VIDEO_HELP, run: (argv, r) => videoCommand(argv, createGateway({ logLevel: logLevel(argv) }), r) },
  models: {
    help: MODELS_HELP,
    run: (argv, r) => (argv.includes("--refresh") ? refreshCommand : modelsCommand)(argv, createGateway({ logLevel: "silent" }), r),
  },
  // The gateway's commands ship in @tarash-gateway/server, loaded only when one of them runs.
  serve: { help: "", ownsSignals: true, run: (argv, r) => r.server().then((s) => s.runServe(argv)) },
  worker: { help: "", ownsSignals: true, run: (argv, r) => r.server().then((s) => s.runWorker(argv)) },
  mcp: { help: "", ownsSignals: true, run: (argv, r) => r.server().then((s) => s.mcpCommand(argv, version())) },
  db: { help: "", run: (argv, r) => r.server().then((s) => s.dbCommand(argv, r)) },
  keys: { help: KEYS_HELP, run: (argv, r) => keysCommand("keys", argv, r) },
  tenants: { help: KEYS_HELP, run: (argv, r) => keysCommand("tenants", argv, r) },
};

/** src/cli and dist/cli both sit two levels below the package root. */
function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  } catch {
    return "(unknown version)";
  }
}

function logLevel(argv: string[]) {
  return argv.includes("--verbose") || argv.includes("-v") ? ("debug" as const) : ("silent" as const);
}

export interface MainOptions {
  /** Where the gateway's commands come from; default: the installed @tarash-gateway/server package. */
  loadServer?: (() => Promise<ServerCommands>) | undefined;
}

/** Entry point: returns the exit code. Ctrl-C aborts the call (cancelling the provider job) → 130. */
export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const [command, ...rest] = argv;
  const stdout = (text: string) => void process.stdout.write(text);
  if (!command || command === "--help" || command === "-h" || command === "help") {
    stdout(HELP);
    return command ? EXIT.ok : EXIT.badInput;
  }
  if (command === "--version" || command === "-V") {
    stdout(`tarash-gateway ${version()}\n`);
    return EXIT.ok;
  }
  const entry = COMMANDS[command];
  if (!entry) {
    process.stderr.write(`error: unknown command "${command}"; commands: ${Object.keys(COMMANDS).join(", ")} (see tarash --help)\n`);
    return EXIT.badInput;
  }
  const verbose = rest.includes("--verbose") || rest.includes("-v");
  const json = rest.includes("--json");
  const terminal = createTerminal(process.stderr, json || rest.includes("--quiet") || rest.includes("-q"));
  const controller = new AbortController();
  const onSigint = () => {
    terminal.line("cancelling…");
    controller.abort();
  };
  if (!entry.ownsSignals) process.once("SIGINT", onSigint);
  const loadServer = options.loadServer ?? loadServerPackage;
  try {
    return await entry.run(rest, { terminal, signal: controller.signal, stdout, server: loadServer });
  } catch (error) {
    terminal.done();
    if (isServerMissing(error)) {
      process.stderr.write(`error: ${serverMissingMessage(command)}\n`);
      return EXIT.failure;
    }
    const usage = error instanceof UsageError && !verbose ? ` (see tarash ${command} --help)` : "";
    process.stderr.write(`${describeError(error, verbose)}${usage}\n`);
    // --json promises machine output on stdout: a failure is a JSON error object there too (same exit code).
    if (json) stdout(`${JSON.stringify(errorJson(error), null, 2)}\n`);
    return exitCodeFor(error);
  } finally {
    process.off("SIGINT", onSigint);
  }
}
