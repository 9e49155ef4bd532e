import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { CallToolResult, ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import type { Gateway } from "../../../../src/core/gateway.js";
import { TarashError, ValidationError } from "../../../../src/core/errors.js";
import type { NetworkPolicy } from "../../../../src/core/media/ssrf.js";
import type { GenerationConfigInput, ImageGenerationRequest, ImageGenerationResponse, MediaKind, VideoGenerationRequest } from "../../../../src/core/types.js";
import { imageContent, jobContent, jsonText, type OutputReader } from "./content.js";
import { watchJob } from "./progress.js";
import { EditImageInput, EstimateCostInput, GenerateImageInput, GenerateVideoInput, JobInput, ListModelsInput } from "./schemas.js";

/** Images larger than this come back as a link to their URL instead of inline base64. */
export const DEFAULT_MAX_INLINE_IMAGE_BYTES = 8 * 1024 * 1024;

/** Who may see which video job (the gateway service keeps one owner per job id). */
export interface McpJobAccess {
  created(jobId: string): void;
  owns(jobId: string): boolean;
}

export interface McpServerOptions {
  gateway: Gateway;
  /** The library config for a call naming `model`/`provider` (the gateway service applies its routes and mock policy here). */
  configFor?: ((kind: MediaKind, model: string | undefined, provider: string | undefined) => GenerationConfigInput) | undefined;
  /** Runs an image generation (the gateway service stores outputs for the tenant and records metrics). Default: gateway.generateImage. */
  generateImage?: ((config: GenerationConfigInput, request: ImageGenerationRequest, signal: AbortSignal) => Promise<ImageGenerationResponse>) | undefined;
  /** Runs each tool call (the gateway service binds the caller's tenant to output storage here). */
  run?: (<T>(fn: () => Promise<T>) => Promise<T>) | undefined;
  /** Reads back an output this host stored itself; undefined falls back to downloading the URL. */
  readOutput?: OutputReader | undefined;
  jobs?: McpJobAccess | undefined;
  /** Where output URLs may be downloaded from (the library's SSRF policy). */
  network?: NetworkPolicy | undefined;
  maxInlineImageBytes?: number | undefined;
  /** generate_video with a progressToken: how often to poll, and how long to wait before returning the job id alone. */
  pollIntervalMs?: number | undefined;
  progressTimeoutMs?: number | undefined;
  /** Unexpected (non-library) errors are reported here; the client only sees a generic message. */
  onInternalError?: ((error: unknown, tool: string) => void) | undefined;
  version?: string | undefined;
}

type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

const IMAGE_PRICE_FIELDS = ["size", "quality", "n", "resolution", "aspectRatio"] as const;
const VIDEO_PRICE_FIELDS = ["durationSeconds", "generateAudio", "aspectRatio", "resolution"] as const;

const defaultConfig = (_kind: MediaKind, model: string | undefined, provider: string | undefined): GenerationConfigInput => ({
  ...(model !== undefined ? { model } : {}),
  ...(provider !== undefined ? { provider } : {}),
});

function errorResult(message: string): CallToolResult {
  return { content: [{ type: "text", text: message }], isError: true };
}

/** A library error as the client should read it: the message, plus allowed values when validation named them. */
function describeTarashError(error: TarashError): string {
  const lines = [`${error.name}: ${error.message}`];
  if (error instanceof ValidationError) {
    for (const issue of error.issues) {
      if (issue.allowed?.length && !error.message.includes(issue.allowed.join(", "))) {
        lines.push(`${issue.field}: allowed values: ${issue.allowed.join(", ")}`);
      }
    }
  }
  return lines.join("\n");
}

const omitUndefined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** An MCP server whose tools run on `gateway`: generation, video jobs, the model catalog and prices. */
export function createMcpServer(options: McpServerOptions): McpServer {
  const { gateway } = options;
  const configFor = options.configFor ?? defaultConfig;
  const generateImage =
    options.generateImage ?? ((config: GenerationConfigInput, request: ImageGenerationRequest, signal: AbortSignal) => gateway.generateImage(config, request, { signal }));
  const run = options.run ?? (<T>(fn: () => Promise<T>) => fn());
  const reader = {
    network: options.network ?? { allowPrivateNetwork: false },
    maxBytes: options.maxInlineImageBytes ?? DEFAULT_MAX_INLINE_IMAGE_BYTES,
    readOutput: options.readOutput,
  };
  const server = new McpServer({ name: "tarash-gateway", version: options.version ?? "0.0.0" }, { capabilities: { logging: {} } });

  /** Library errors become tool errors with their message; anything else is a bug and says only that. */
  const guarded =
    <A>(tool: string, fn: (args: A, extra: ToolExtra) => Promise<CallToolResult>) =>
    async (args: A, extra: ToolExtra): Promise<CallToolResult> => {
      try {
        return await run(() => fn(args, extra));
      } catch (error) {
        if (error instanceof TarashError) return errorResult(describeTarashError(error));
        options.onInternalError?.(error, tool);
        return errorResult(`internal error in ${tool}; the server log has the details`);
      }
    };

  const checkOwner = (jobId: string) => {
    if (options.jobs && !options.jobs.owns(jobId)) {
      throw new ValidationError(`no job with id ${JSON.stringify(jobId)}`, { issues: [{ field: "jobId", message: "unknown job" }] });
    }
  };

  server.registerTool(
    "generate_image",
    {
      title: "Generate image",
      description: "Generate images from a text prompt. Returns each image inline (base64) with its URL.",
      inputSchema: GenerateImageInput,
    },
    guarded("generate_image", async (args, extra) => {
      const { model, provider, ...request } = args;
      const response = await generateImage(configFor("image", model, provider), omitUndefined(request) as ImageGenerationRequest, extra.signal);
      return { content: await imageContent(response, reader, extra.signal) };
    }),
  );

  server.registerTool(
    "edit_image",
    {
      title: "Edit image",
      description: "Edit or combine input images (URLs or data: URLs) following a prompt; an optional mask limits the edit.",
      inputSchema: EditImageInput,
    },
    guarded("edit_image", async (args, extra) => {
      const { model, provider, images, mask, ...rest } = args;
      const request: ImageGenerationRequest = {
        ...omitUndefined(rest),
        imageList: images.map((image) => ({ image, type: "reference" as const })),
        ...(mask !== undefined ? { maskImage: mask } : {}),
      };
      const response = await generateImage(configFor("image", model, provider), request, extra.signal);
      return { content: await imageContent(response, reader, extra.signal) };
    }),
  );

  server.registerTool(
    "generate_video",
    {
      title: "Generate video",
      description:
        "Start a video generation and return its jobId at once; poll it with get_job. When the request carries a progressToken, " +
        "the tool instead reports progress notifications until the job settles (or a time limit passes) and then returns.",
      inputSchema: GenerateVideoInput,
    },
    guarded("generate_video", async (args, extra) => {
      const { model, provider, image, ...rest } = args;
      const request: VideoGenerationRequest = {
        ...omitUndefined(rest),
        ...(image !== undefined ? { imageList: [{ image, type: "first_frame" as const }] } : {}),
      };
      const config = configFor("video", model, provider);
      const submitted = await gateway.submitVideo(config, request, { signal: extra.signal });
      options.jobs?.created(submitted.jobId);
      const summary = { jobId: submitted.jobId, provider: submitted.provider, model: submitted.model, isMock: submitted.isMock, warnings: submitted.warnings };
      const token = extra._meta?.progressToken;
      if (token === undefined) return { content: [jsonText({ ...summary, status: "queued", next: "call get_job with this jobId" })] };
      const status = await watchJob(gateway, submitted.jobId, config, {
        progressToken: token,
        signal: extra.signal,
        sendNotification: extra.sendNotification,
        pollIntervalMs: options.pollIntervalMs ?? 2_000,
        timeoutMs: options.progressTimeoutMs ?? 10 * 60_000,
      });
      const { videos, ...settled } = status;
      return { content: jobContent(omitUndefined({ ...summary, ...settled }), videos, reader.maxBytes) };
    }),
  );

  server.registerTool(
    "get_job",
    { title: "Get video job", description: "The status of a video job; when completed, its video URL(s).", inputSchema: JobInput },
    guarded("get_job", async ({ jobId }) => {
      checkOwner(jobId);
      const status = await gateway.getVideoStatus(jobId, configFor("video", undefined, undefined));
      const { result, ...rest } = status;
      const videos = result?.videos.map((v) => omitUndefined({ url: v.url, mediaType: v.mediaType, durationSeconds: v.durationSeconds, width: v.width, height: v.height }));
      return { content: jobContent(omitUndefined({ ...rest, cost: result?.cost }), videos, reader.maxBytes) };
    }),
  );

  server.registerTool(
    "cancel_job",
    { title: "Cancel video job", description: "Cancel a queued or running video job.", inputSchema: JobInput },
    guarded("cancel_job", async ({ jobId }) => {
      checkOwner(jobId);
      await gateway.cancelVideo(jobId, configFor("video", undefined, undefined));
      return { content: [jsonText({ jobId, status: "cancelled" })] };
    }),
  );

  server.registerTool(
    "list_models",
    {
      title: "List models",
      description: "Models in the catalog, optionally filtered by provider and kind, with the sizes, durations and options each accepts.",
      inputSchema: ListModelsInput,
    },
    guarded("list_models", async ({ provider, kind }) => {
      const providers = gateway.providers();
      if (provider !== undefined && !providers.includes(provider)) {
        throw new ValidationError(`provider: unknown provider ${JSON.stringify(provider)}; providers: ${[...providers].sort().join(", ")}`, {
          issues: [{ field: "provider", message: "unknown provider" }],
        });
      }
      const models = gateway.listModels(omitUndefined({ provider, kind })).map((m) =>
        omitUndefined({
          id: `${m.provider}/${m.model}`,
          kind: m.kind,
          name: m.displayName,
          sizes: m.sizes,
          aspectRatios: m.aspectRatios,
          qualities: m.qualities,
          resolutions: m.resolutions,
          durations: m.durations,
          durationRange: m.durationRange,
          maxN: m.maxN,
        }),
      );
      return { content: [jsonText({ count: models.length, models })] };
    }),
  );

  server.registerTool(
    "estimate_cost",
    {
      title: "Estimate cost",
      description: "The catalog price of a request before running it (USD), or a note when the model has no known price.",
      inputSchema: EstimateCostInput,
    },
    guarded("estimate_cost", async ({ kind, model, provider, request }) => {
      const config = configFor(kind, model, provider);
      // Only the fields that price this kind: the request object accepts both kinds' fields.
      const fields: readonly string[] = kind === "image" ? IMAGE_PRICE_FIELDS : VIDEO_PRICE_FIELDS;
      const given = Object.entries(request ?? {}).filter(([k, v]) => v !== undefined && fields.includes(k));
      const body = { prompt: "price estimate", ...Object.fromEntries(given) };
      const validated =
        kind === "image"
          ? gateway.validateRequest(config, body as ImageGenerationRequest)
          : gateway.validateRequest(config, body as VideoGenerationRequest, "video");
      const cost =
        kind === "image" ? gateway.estimateCost(config, body as ImageGenerationRequest) : gateway.estimateCost(config, body as VideoGenerationRequest, "video");
      const target = { provider: validated.provider, model: validated.model };
      return { content: [jsonText(cost ? { ...target, cost } : { ...target, cost: null, note: "no catalog price for this model" })] };
    }),
  );

  return server;
}

