import { ValidationError } from "../errors.js";
import type { MediaInput } from "../types.js";
import { type DownloadOptions, type OpenedDownload, download, openDownload } from "./download.js";
import { extensionFor, sniffMediaType } from "./sniff.js";

export interface MediaBytes {
  data: Uint8Array;
  mediaType: string;
}

/**
 * Conversions between the input forms users give (URL, data URL, bytes, Blob) and what a provider
 * wants. Adapters say what they need; remote inputs are fetched with the SSRF guard and size cap.
 */
export interface MediaTools {
  toBytes(input: MediaInput, field: string): Promise<MediaBytes>;
  toBase64(input: MediaInput, field: string): Promise<{ base64: string; mediaType: string }>;
  toDataUrl(input: MediaInput, field: string): Promise<string>;
  /** http(s) URLs pass through untouched (the provider fetches them); anything else becomes a data URL. */
  toUrl(input: MediaInput, field: string): Promise<string>;
  /** A Blob with a sensible file name, for multipart uploads. */
  toFile(input: MediaInput, field: string, name?: string): Promise<{ blob: Blob; filename: string }>;
  /** Download a URL (guarded, bounded). For a provider's outputs: a refusal is the provider's fault unless `source: "user"`. */
  download(url: string, options?: Partial<Pick<DownloadOptions, "headers" | "maxBytes" | "field" | "source">>): Promise<MediaBytes>;
  /** Open a URL as a stream (guarded, bounded), for large outputs (a refusal is the provider's fault unless `source: "user"`). */
  open(url: string, options?: Partial<Pick<DownloadOptions, "headers" | "maxBytes" | "field" | "source">>): Promise<OpenedDownload>;
}

export function parseDataUrl(url: string, field: string): MediaBytes {
  const m = /^data:([^;,]*)((?:;[^;,]*)*?)(;base64)?,(.*)$/s.exec(url);
  if (!m) {
    throw new ValidationError(`${field}: malformed data: URL`, { issues: [{ field, message: "malformed data: URL" }] });
  }
  const payload = m[4] ?? "";
  const data = m[3] ? decodeBase64(payload) : new TextEncoder().encode(decodeURIComponent(payload));
  return { data, mediaType: sniffMediaType(data) ?? (m[1] || "application/octet-stream") };
}

/**
 * Base64 to bytes in one pass. A large Buffer owns its memory and is handed out as a plain Uint8Array
 * view of it (no second copy); a small one lives in Node's shared pool, so it is copied out, since
 * callers may pass `.buffer` on.
 */
export function decodeBase64(base64: string): Uint8Array {
  const buf = Buffer.from(base64, "base64");
  if (buf.byteOffset === 0 && buf.buffer.byteLength === buf.byteLength) return new Uint8Array(buf.buffer, 0, buf.byteLength);
  return new Uint8Array(buf);
}

export function toDataUrl(bytes: MediaBytes): string {
  return `data:${bytes.mediaType};base64,${Buffer.from(bytes.data.buffer, bytes.data.byteOffset, bytes.data.byteLength).toString("base64")}`;
}

export function createMediaTools(base: Omit<DownloadOptions, "field" | "headers">): MediaTools {
  const maxBytes = base.maxBytes;
  const tooBig = (field: string, size: number) =>
    new ValidationError(`${field}: the input is ${size} bytes, over the ${maxBytes}-byte limit`, {
      issues: [{ field, message: `over the ${maxBytes}-byte limit` }],
    });

  const tools: MediaTools = {
    async toBytes(input, field) {
      let out: MediaBytes;
      if (typeof input === "string") {
        if (input.startsWith("data:")) out = parseDataUrl(input, field);
        else return download(input, { ...base, field });
      } else if (input instanceof Uint8Array) {
        out = { data: input, mediaType: sniffMediaType(input) ?? "application/octet-stream" };
      } else {
        const data = new Uint8Array(await input.arrayBuffer());
        out = { data, mediaType: sniffMediaType(data) ?? (input.type || "application/octet-stream") };
      }
      if (maxBytes !== undefined && out.data.byteLength > maxBytes) throw tooBig(field, out.data.byteLength);
      return out;
    },
    async toBase64(input, field) {
      const { data, mediaType } = await tools.toBytes(input, field);
      return { base64: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64"), mediaType };
    },
    async toDataUrl(input, field) {
      if (typeof input === "string" && input.startsWith("data:")) return input;
      return toDataUrl(await tools.toBytes(input, field));
    },
    async toUrl(input, field) {
      if (typeof input === "string") return input;
      return tools.toDataUrl(input, field);
    },
    async toFile(input, field, name = "image") {
      const { data, mediaType } = await tools.toBytes(input, field);
      const blob = new Blob([data as Uint8Array<ArrayBuffer>], { type: mediaType });
      return { blob, filename: `${name}.${extensionFor(mediaType)}` };
    },
    download(url, options = {}) {
      return download(url, { ...base, source: "provider", ...options });
    },
    open(url, options = {}) {
      return openDownload(url, { ...base, source: "provider", ...options });
    },
  };
  return tools;
}
