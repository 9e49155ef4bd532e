import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { Hono } from "hono";
import type { GenerationConfigInput, MediaKind } from "../../../../../src/core/types.js";
import { createMcpServer } from "../../mcp/server.js";
import { withOutputScope } from "../storage/output.js";
import type { AppEnv, AppState } from "../state.js";

/** Video job ids MCP callers created, with their tenant; the oldest are forgotten past this many. */
const MAX_TRACKED_JOBS = 10_000;

/** Which tenant created each MCP video job, so get_job/cancel_job answer only to their owner. Bounded, oldest first out. */
class JobOwners {
  private readonly owners = new Map<string, string>();
  set(jobId: string, tenant: string): void {
    this.owners.delete(jobId);
    this.owners.set(jobId, tenant);
    if (this.owners.size > MAX_TRACKED_JOBS) this.owners.delete(this.owners.keys().next().value!);
  }
  owns(jobId: string, tenant: string): boolean {
    return this.owners.get(jobId) === tenant;
  }
}

async function readBounded(body: ReadableStream<Uint8Array>, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let offset = 0;
  for await (const chunk of body) {
    if (offset + chunk.byteLength > size) throw new Error("stored object is larger than its recorded size");
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out.subarray(0, offset);
}

/**
 * The Model Context Protocol over streamable HTTP at /mcp, stateless: every POST gets a fresh server and
 * transport, so any replica can answer any request. GET (a standalone event stream) and DELETE (ending a
 * session) have nothing to do without sessions and answer 405, as the transport spec allows.
 * Auth, the tenant's rate limit and the body limit are the /v1 ones (app.ts).
 */
export function mcpRoutes(app: Hono<AppEnv>, state: AppState): void {
  const owners = new JobOwners();
  const configFor = (kind: MediaKind, model: string | undefined, provider: string | undefined): GenerationConfigInput =>
    provider !== undefined ? state.router.withGlobalMock({ provider, ...(model !== undefined ? { model } : {}) }) : state.router.resolve(model, kind);

  app.on(["GET", "DELETE"], "/mcp", (c) => {
    c.header("Allow", "POST");
    return c.json({ jsonrpc: "2.0", error: { code: -32000, message: "this MCP endpoint is stateless: POST only" }, id: null }, 405);
  });

  app.post("/mcp", async (c) => {
    const tenant = c.get("principal").tenant;
    // Outputs this request stored, by URL, so images are inlined from storage rather than fetched back over HTTP.
    const stored = new Map<string, string>();
    const server = createMcpServer({
      gateway: state.gateway,
      configFor,
      network: { allowPrivateNetwork: state.config.network.allowPrivateNetwork, allowedHosts: state.config.network.allowedHosts },
      generateImage: async (config, request, signal) => {
        const { response, outputs } = await state.generator.image({ tenant }, config, request, { signal });
        response.images.forEach((img, i) => {
          const key = outputs[i]?.key;
          if (key) stored.set(img.url, key);
        });
        return response;
      },
      readOutput: async (url, maxBytes) => {
        const key = stored.get(url);
        if (!key) return undefined;
        const object = await state.storage.get(key);
        if (!object) return undefined;
        if (object.size > maxBytes) {
          await object.body.cancel();
          return { tooLarge: true };
        }
        return { data: await readBounded(object.body, object.size), mediaType: object.mediaType };
      },
      // Video results (get_job) are stored under the caller's tenant, like the /v1 routes' outputs.
      run: (fn) => withOutputScope({ tenant }, () => fn()),
      jobs: { created: (jobId) => owners.set(jobId, tenant), owns: (jobId) => owners.owns(jobId, tenant) },
      onInternalError: (error, tool) => state.logger.error({ requestId: c.get("requestId"), tool, error }, "MCP tool failed"),
    });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      maxRequestBodySize: state.config.limits.maxBodyBytes,
    });
    await server.connect(transport);
    // A client that goes away mid-call (a long generate_video) stops its tool calls with it.
    c.req.raw.signal.addEventListener("abort", () => void server.close(), { once: true });
    return transport.handleRequest(c.req.raw);
  });
}
