import { mkdir, stat, writeFile } from "node:fs/promises";
export { outputPath } from "../core/media/save.js";
import { dirname } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createWriteStream } from "node:fs";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { parseDataUrl } from "../core/media/tools.js";

/** Save a data: URL or download an http(s) URL to `path`, streaming. Returns bytes written. */
export async function saveUrl(url: string, path: string, signal?: AbortSignal): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  if (url.startsWith("data:")) {
    const { data } = parseDataUrl(url, "url");
    await writeFile(path, data);
    return data.byteLength;
  }
  const res = await fetch(url, { signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(300_000)]) : AbortSignal.timeout(300_000) });
  if (!res.ok || !res.body) throw new Error(`download of the output failed with status ${res.status}`);
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(path));
  return (await stat(path)).size;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
