import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

export const TOOL_NAMES = ["cancel_job", "edit_image", "estimate_cost", "generate_image", "generate_video", "get_job", "list_models"];

export async function call(client: Client, name: string, args: Record<string, unknown>, options?: Parameters<Client["callTool"]>[2]): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args }, undefined, options)) as CallToolResult;
}

/** The text blocks of a result, joined. */
export const textOf = (r: CallToolResult): string =>
  r.content
    .filter((b) => b.type === "text")
    .map((b) => (b as { text: string }).text)
    .join("\n");

/** The last text block parsed as JSON (tools end with their JSON summary; job tools answer with JSON first). */
export function jsonOf(r: CallToolResult, which: "first" | "last" = "last"): Record<string, unknown> {
  const texts = r.content.filter((b) => b.type === "text").map((b) => (b as { text: string }).text);
  const t = which === "first" ? texts[0] : texts[texts.length - 1];
  return JSON.parse(t!) as Record<string, unknown>;
}

export async function waitForJob(client: Client, jobId: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await call(client, "get_job", { jobId });
    if (r.isError) throw new Error(`get_job failed: ${textOf(r)}`);
    const status = jsonOf(r, "first");
    if (status.status === "completed" || status.status === "failed" || status.status === "cancelled") return { ...status, _result: r };
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${String(status.status)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
