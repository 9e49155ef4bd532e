/**
 * `multipart/form-data` from a `FormData`, for the undici transport. undici 7's own encoder does not
 * accept the `FormData` class Node 20 ships (a different undici inside Node), so the body is written
 * here, the way fetch writes it (same escaping, CRLF line breaks, a Content-Length), with file parts
 * streamed from their Blobs rather than copied.
 */

const encoder = new TextEncoder();

/** Field and file names as fetch escapes them in a part's Content-Disposition. */
const escapeName = (name: string) => name.replace(/\n/g, "%0A").replace(/\r/g, "%0D").replace(/"/g, "%22");
const normalizeLineBreaks = (value: string) => value.replace(/\r(?!\n)|(?<!\r)\n/g, "\r\n");

export interface MultipartBody {
  contentType: string;
  length: number;
  body: AsyncIterable<Uint8Array>;
}

export function encodeMultipart(form: FormData): MultipartBody {
  const boundary = `----formdata-tarash-${crypto.randomUUID().replace(/-/g, "")}`;
  const prefix = `--${boundary}\r\nContent-Disposition: form-data`;
  const parts: (Uint8Array | Blob)[] = [];
  let length = 0;
  const push = (part: Uint8Array | Blob) => {
    parts.push(part);
    length += part instanceof Uint8Array ? part.byteLength : part.size;
  };
  for (const [name, value] of form) {
    if (typeof value === "string") {
      push(encoder.encode(`${prefix}; name="${escapeName(normalizeLineBreaks(name))}"\r\n\r\n${normalizeLineBreaks(value)}\r\n`));
    } else {
      const file = value as Blob & { name?: string };
      push(
        encoder.encode(
          `${prefix}; name="${escapeName(normalizeLineBreaks(name))}"; filename="${escapeName(file.name ?? "blob")}"\r\n` +
            `Content-Type: ${file.type || "application/octet-stream"}\r\n\r\n`,
        ),
      );
      push(file);
      push(encoder.encode("\r\n"));
    }
  }
  push(encoder.encode(`--${boundary}--\r\n`));
  async function* body(): AsyncGenerator<Uint8Array> {
    for (const part of parts) {
      if (part instanceof Uint8Array) yield part;
      else for await (const chunk of part.stream()) yield chunk;
    }
  }
  return { contentType: `multipart/form-data; boundary=${boundary}`, length, body: body() };
}
