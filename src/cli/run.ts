import { sniffMediaType, readImageDimensions } from "../core/media/sniff.js";
import { parseDataUrl } from "../core/media/tools.js";
import type { GeneratedImage, GeneratedVideo, ImageGenerationResponse, VideoGenerationResponse } from "../core/types.js";
import { formatBytes, outputPath, saveUrl } from "./files.js";
import type { Terminal } from "./terminal.js";
import { readFile } from "node:fs/promises";

export interface RunContext {
  terminal: Terminal;
  signal: AbortSignal;
  stdout: (text: string) => void;
}

async function dimensions(path: string, media: GeneratedImage | GeneratedVideo): Promise<string> {
  if (media.width && media.height) return `${media.width}×${media.height}`;
  if (!media.mediaType.startsWith("image/")) return "";
  const bytes = new Uint8Array(await readFile(path));
  const d = readImageDimensions(bytes);
  return d ? `${d.width}×${d.height}` : "";
}

/** Write every output, then print the summary (or the JSON response on stdout with --json). */
export async function printSummary(
  run: RunContext,
  response: ImageGenerationResponse | VideoGenerationResponse,
  outputs: (GeneratedImage | GeneratedVideo)[],
  out: string | undefined,
  json: boolean,
): Promise<number> {
  const stem = `${response.provider}-${response.requestId.slice(4, 12)}`;
  const files: { path: string; bytes: number; dims: string }[] = [];
  for (const [i, media] of outputs.entries()) {
    const mediaType = media.url.startsWith("data:") ? (sniffMediaType(parseDataUrl(media.url, "url").data) ?? media.mediaType) : media.mediaType;
    const path = await outputPath(out, i, outputs.length, mediaType, stem);
    const bytes = await saveUrl(media.url, path, run.signal);
    files.push({ path, bytes, dims: await dimensions(path, media) });
  }
  if (json) {
    const trimmed = {
      ...response,
      files: files.map((f) => f.path),
      images: "images" in response ? response.images.map((img, i) => ({ ...img, url: img.url.startsWith("data:") ? files[i]?.path : img.url })) : undefined,
      rawResponse: undefined,
    };
    run.stdout(`${JSON.stringify(trimmed, null, 2)}\n`);
    return 0;
  }
  const t = run.terminal;
  for (const f of files) t.line(`wrote ${f.path}  ${formatBytes(f.bytes)}${f.dims ? `  ${f.dims}` : ""}`);
  const m = response.executionMetadata;
  t.line(`${response.provider}/${response.model}${response.isMock ? " (mock)" : ""}  ${m.totalAttempts} attempt(s)${m.fallbackTriggered ? ", fallback taken" : ""}  request ${response.requestId}`);
  if (m.fallbackTriggered) {
    for (const a of m.attempts.filter((x) => x.status !== "success")) t.line(`  tried ${a.provider}/${a.model}: ${a.errorType} ${a.errorMessage ?? ""}`);
  }
  if ("revisedPrompt" in response && response.revisedPrompt) t.line(`revised prompt: ${response.revisedPrompt}`);
  for (const w of response.warnings) t.line(`warning: ${w}`);
  if (response.cost) t.line(`cost: $${response.cost.amountUsd.toFixed(4)} (${response.cost.basis}${response.cost.estimated ? ", estimated" : ""})`);
  return 0;
}
