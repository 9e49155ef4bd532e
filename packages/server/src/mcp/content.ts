import type { ContentBlock } from "@modelcontextprotocol/sdk/types.js";
import { TarashError } from "../../../../src/core/errors.js";
import { download } from "../../../../src/core/media/download.js";
import type { NetworkPolicy } from "../../../../src/core/media/ssrf.js";
import type { ImageGenerationResponse } from "../../../../src/core/types.js";

/** Bytes of an output the host stored itself: `tooLarge` when over the inline cap, undefined when it is not one of its own. */
export type OutputReader = (
  url: string,
  maxBytes: number,
  signal: AbortSignal,
) => Promise<{ data: Uint8Array; mediaType: string } | { tooLarge: true } | undefined>;

export interface ReaderOptions {
  network: NetworkPolicy;
  maxBytes: number;
  readOutput?: OutputReader | undefined;
}

export const jsonText = (value: unknown): ContentBlock => ({ type: "text", text: JSON.stringify(value, null, 2) });

type Inline = { base64: string; mediaType: string } | { skipped: string };

const DOWNLOAD_TIMEOUT_MS = 30_000;

/** An output as base64, within the cap: data URLs are sliced, the host's own outputs read back, others downloaded through the SSRF guard. */
async function inline(url: string, mediaType: string, options: ReaderOptions, signal: AbortSignal): Promise<Inline> {
  const tooLarge = { skipped: `larger than the ${options.maxBytes}-byte inline limit; fetch it from the URL` };
  if (url.startsWith("data:")) {
    const comma = url.indexOf(",");
    const header = url.slice(5, comma);
    const payload = url.slice(comma + 1);
    if (!/;base64$/i.test(header)) return { skipped: "not a base64 data URL" };
    if ((payload.length * 3) / 4 > options.maxBytes) return tooLarge;
    return { base64: payload, mediaType: header.split(";")[0] || mediaType };
  }
  const own = await options.readOutput?.(url, options.maxBytes, signal);
  if (own) return "tooLarge" in own ? tooLarge : { base64: Buffer.from(own.data).toString("base64"), mediaType: own.mediaType };
  if (!/^https?:/i.test(url)) return { skipped: "not an http(s) URL" };
  try {
    const got = await download(url, { policy: options.network, maxBytes: options.maxBytes, timeoutMs: DOWNLOAD_TIMEOUT_MS, signal, field: "output" });
    return { base64: Buffer.from(got.data).toString("base64"), mediaType: got.mediaType };
  } catch (error) {
    // The image exists; failing to inline it should not fail the call: the client still gets the URL.
    if (error instanceof TarashError) return { skipped: error.message };
    throw error;
  }
}

/** Each image as MCP image content plus its URL (a data URL is not repeated as text), then a summary. */
export async function imageContent(response: ImageGenerationResponse, options: ReaderOptions, signal: AbortSignal): Promise<ContentBlock[]> {
  const blocks: ContentBlock[] = [];
  for (const [i, image] of response.images.entries()) {
    const got = await inline(image.url, image.mediaType, options, signal);
    const isData = image.url.startsWith("data:");
    if ("base64" in got) blocks.push({ type: "image", data: got.base64, mimeType: got.mediaType });
    else if (!isData) blocks.push({ type: "resource_link", uri: image.url, name: `image-${i + 1}`, mimeType: image.mediaType });
    const where = isData ? "inline image (data: URL, nothing stored)" : image.url;
    blocks.push({ type: "text", text: "skipped" in got ? `image ${i + 1}: ${where} (not inlined: ${got.skipped})` : `image ${i + 1}: ${where}` });
  }
  const summary = {
    requestId: response.requestId,
    provider: response.provider,
    model: response.model,
    isMock: response.isMock,
    images: response.images.map((img) => ({ width: img.width, height: img.height, mediaType: img.mediaType, revisedPrompt: img.revisedPrompt })),
    text: response.text,
    cost: response.cost,
    warnings: response.warnings.length ? response.warnings : undefined,
  };
  blocks.push(jsonText(summary));
  return blocks;
}

interface VideoOut {
  url: string;
  mediaType: string;
  durationSeconds?: number | undefined;
  width?: number | undefined;
  height?: number | undefined;
}

/**
 * A job's status as JSON, with each video's URL; a video that is only a data: URL (no storage, e.g.
 * the mock on stdio) is embedded as a resource within the inline cap instead of pasted into the text.
 */
export function jobContent(status: Record<string, unknown>, videos: VideoOut[] | undefined, maxBytes: number): ContentBlock[] {
  const embedded: ContentBlock[] = [];
  const listed = videos?.map((v, i) => {
    if (!v.url.startsWith("data:")) return v;
    const comma = v.url.indexOf(",");
    const base64 = /;base64$/i.test(v.url.slice(0, comma)) ? v.url.slice(comma + 1) : undefined;
    const uri = `tarash://jobs/${encodeURIComponent(String(status.jobId))}/video-${i + 1}`;
    if (base64 === undefined || (base64.length * 3) / 4 > maxBytes) return { ...v, url: `(a data: URL too large to return inline; use a gateway with storage for a fetchable URL)` };
    embedded.push({ type: "resource", resource: { uri, mimeType: v.mediaType, blob: base64 } });
    return { ...v, url: `${uri} (embedded below)` };
  });
  return [jsonText(listed ? { ...status, videos: listed } : status), ...embedded];
}
