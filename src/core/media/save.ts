import { createWriteStream } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { extensionFor } from "./sniff.js";

/**
 * Where output `index` of `count` goes. A file path with several outputs becomes file-1.ext,
 * file-2.ext …; a directory (existing, or written with a trailing slash) gets `<stem>[-i].ext`.
 */
export async function outputPath(out: string | undefined, index: number, count: number, mediaType: string, stem: string): Promise<string> {
  const ext = extensionFor(mediaType);
  const isDir = out !== undefined && (out.endsWith("/") || (await stat(out).then((s) => s.isDirectory(), () => false)));
  if (out === undefined || isDir) {
    return join(out ?? ".", count > 1 ? `${stem}-${index + 1}.${ext}` : `${stem}.${ext}`);
  }
  if (count === 1) return out;
  const e = extname(out);
  return join(dirname(out), `${basename(out, e)}-${index + 1}${e || `.${ext}`}`);
}

/** Stream a web ReadableStream into a file or a Node writable without buffering it whole. */
export async function streamTo(body: ReadableStream<Uint8Array>, to: string | Writable): Promise<void> {
  const source = Readable.fromWeb(body as WebReadableStream<Uint8Array>);
  if (typeof to === "string") {
    await mkdir(dirname(to), { recursive: true });
    await pipeline(source, createWriteStream(to));
  } else {
    await pipeline(source, to);
  }
}
