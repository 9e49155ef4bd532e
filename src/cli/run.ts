import { readFile } from "node:fs/promises";
import type { Gateway } from "../core/gateway.js";
import { readImageDimensions } from "../core/media/sniff.js";
import type { GeneratedImage, GeneratedVideo, GenerationConfigInput, ImageGenerationResponse, VideoGenerationResponse } from "../core/types.js";
import type { Terminal } from "./terminal.js";

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

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

/**
 * Write every output (streamed, with the provider key where an output needs it), then print the summary,
 * or the JSON response on stdout with --json.
 */
export async function printSummary(
  run: RunContext,
  gateway: Gateway,
  config: GenerationConfigInput,
  response: ImageGenerationResponse | VideoGenerationResponse,
  out: string | undefined,
  json: boolean,
): Promise<number> {
  const outputs: (GeneratedImage | GeneratedVideo)[] = "images" in response ? response.images : response.videos;
  const saved = await gateway.downloadMedia(response, { to: out ?? ".", config, signal: run.signal });
  const files = await Promise.all(
    saved.map(async (f, i) => ({ path: f.path!, bytes: f.bytes, dims: await dimensions(f.path!, outputs[i]!) })),
  );
  if (json) {
    const trimmed = {
      ...response,
      files: files.map((f) => f.path),
      images: "images" in response ? response.images.map((img, i) => ({ ...img, url: img.url.startsWith("data:") ? files[i]?.path : img.url })) : undefined,
      videos: "videos" in response ? response.videos.map((v, i) => ({ ...v, url: v.url.startsWith("data:") ? files[i]?.path : v.url })) : undefined,
      video: undefined,
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
  const cost = response.cost;
  if (cost?.basis === "mock") {
    const real = cost.estimatedRealUsd ? `; ${response.provider}/${response.model} would cost about $${cost.estimatedRealUsd.toFixed(4)}` : "";
    t.line(`cost: $0.0000 (mock: nothing billed${real})`);
  } else if (cost) t.line(`cost: $${cost.amountUsd.toFixed(4)} (${cost.basis}${cost.estimated ? ", estimated" : ""})`);
  return 0;
}
