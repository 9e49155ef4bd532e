import type { RunContext } from "./run.js";

/**
 * The commands that run the gateway (serve, worker, mcp, db) live in the `@tarash-gateway/server`
 * package, which carries the service's dependencies (Hono, BullMQ, the database drivers, the S3 SDK, the MCP SDK).
 * This library's CLI loads them only when one of them runs; this is the contract between the two.
 */
export interface ServerCommands {
  runServe(argv: readonly string[]): Promise<number>;
  runWorker(argv: readonly string[]): Promise<number>;
  mcpCommand(argv: string[], version: string): Promise<number>;
  dbCommand(argv: string[], run: RunContext): Promise<number>;
}

export const SERVER_PACKAGE = "@tarash-gateway/server";

/** The message for a gateway command when the package is not installed. */
export function serverMissingMessage(command: string): string {
  return `tarash ${command} runs the gateway service, which is a separate package: npm install ${SERVER_PACKAGE}`;
}

/** Node's "Cannot find package '<name>'" for the server package itself (not for one of its own dependencies). */
export function isServerMissing(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return (
    typeof e === "object" && e !== null && e.code === "ERR_MODULE_NOT_FOUND" && typeof e.message === "string" &&
    e.message.includes(`'${SERVER_PACKAGE}'`)
  );
}

function isServerCommands(value: unknown): value is ServerCommands {
  const v = value as Partial<Record<keyof ServerCommands, unknown>> | null;
  return typeof v === "object" && v !== null && typeof v.runServe === "function" && typeof v.runWorker === "function" &&
    typeof v.mcpCommand === "function" && typeof v.dbCommand === "function";
}

/**
 * Imports `@tarash-gateway/server/cli` from wherever Node resolves packages for this CLI (the project's
 * node_modules, or next to a global install). A specifier in a variable: the library has no compile-time
 * dependency on the server package.
 */
export async function loadServerPackage(): Promise<ServerCommands> {
  const specifier = `${SERVER_PACKAGE}/cli`;
  const mod = (await import(specifier)) as { commands?: unknown };
  if (!isServerCommands(mod.commands)) throw new Error(`${SERVER_PACKAGE} does not provide the CLI commands this version of tarash-gateway expects; install matching versions`);
  return mod.commands;
}
