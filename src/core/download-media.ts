import type { Writable } from "node:stream";
import { detachedContext } from "./context.js";
import type { GatewayCore } from "./gateway-core.js";
import { type OpenedDownload, openDownload } from "./media/download.js";
import type * as SaveModule from "./media/save.js";
import { sniffMediaType } from "./media/sniff.js";
import { parseDataUrl } from "./media/tools.js";
import { parseConfig } from "./orchestrator.js";
import type { GatewayOptions } from "./gateway-core.js";
import type { GeneratedImage, GeneratedVideo, GenerationConfigInput, ImageGenerationResponse, VideoGenerationResponse } from "./types.js";

/** Generated outputs can be large (a 4K video); this cap is for outputs, not for user inputs. */
export const DEFAULT_MAX_OUTPUT_BYTES = 2 * 1024 ** 3;
const OUTPUT_TIMEOUT_MS = 15 * 60_000;

export interface DownloadMediaOptions {
  /** Where to write: a file path (numbered when there are several outputs), a directory, or a stream per output. */
  to: string | ((index: number, mediaType: string) => Writable);
  /** Supplies the provider key for outputs that need it (else the gateway settings and env vars are used). */
  config?: GenerationConfigInput;
  signal?: AbortSignal;
}

export interface SavedMedia {
  path?: string | undefined;
  mediaType: string;
  bytes: number;
}

function outputLimits(options: GatewayOptions) {
  return { maxBytes: options.network?.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES, timeoutMs: OUTPUT_TIMEOUT_MS };
}

/** Open one output for streaming, with the provider's download headers when it needs them. */
export async function openOutput(
  core: GatewayCore,
  url: string,
  provider: string,
  config: GenerationConfigInput | undefined,
  signal: AbortSignal | undefined,
  headers?: Record<string, string>,
): Promise<OpenedDownload> {
  let auth = headers;
  if (!auth && !url.startsWith("data:")) {
    const def = core.registry.getProvider(provider);
    if (def) {
      const adapter = await core.registry.adapter(provider);
      if (adapter.downloadHeaders) {
        const cfg = parseConfig({ ...config, provider });
        const ctx = detachedContext(core, cfg, { provider, model: cfg.model ?? "" }, signal);
        auth = adapter.downloadHeaders(ctx, url);
      }
    }
  }
  return openDownload(url, { policy: core.network, ...outputLimits(core.options), signal, headers: auth, fetch: core.fetch, field: "output", source: "provider" });
}

/**
 * Write every output of a response to files or streams, one at a time and streamed, so a long video
 * never sits whole in memory. Works for data: URLs, plain URLs and URLs that need the provider key.
 */
export async function downloadMediaWith(
  core: GatewayCore,
  response: ImageGenerationResponse | VideoGenerationResponse,
  options: DownloadMediaOptions,
): Promise<SavedMedia[]> {
  const outputs: (GeneratedImage | GeneratedVideo)[] = "images" in response ? response.images : response.videos;
  const stem = `${response.provider}-${response.requestId.replace(/^req_/, "").slice(0, 8)}`;
  const saved: SavedMedia[] = [];
  for (const [index, media] of outputs.entries()) {
    let body: ReadableStream<Uint8Array>;
    let mediaType = media.mediaType;
    let bytes = 0;
    if (media.url.startsWith("data:")) {
      const parsed = parseDataUrl(media.url, "url");
      mediaType = sniffMediaType(parsed.data) ?? mediaType;
      body = new Blob([parsed.data as Uint8Array<ArrayBuffer>]).stream();
    } else {
      const opened = await openOutput(core, media.url, response.provider, options.config, options.signal);
      body = opened.body;
      mediaType = opened.contentType && opened.contentType !== "application/octet-stream" ? opened.contentType : mediaType;
    }
    const counted = body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, c) {
          bytes += chunk.byteLength;
          c.enqueue(chunk);
        },
      }),
    );
    if (typeof options.to === "string") {
      const { outputPath, streamTo } = await saving();
      const path = await outputPath(options.to, index, outputs.length, mediaType, stem);
      await streamTo(counted, path);
      saved.push({ path, mediaType, bytes });
    } else {
      await (await saving()).streamTo(counted, options.to(index, mediaType));
      saved.push({ mediaType, bytes });
    }
  }
  return saved;
}

/** Writing to files and streams loads node:fs and node:stream: only when a download saves somewhere. */
function saving(): Promise<typeof SaveModule> {
  return import("./media/save.js");
}
