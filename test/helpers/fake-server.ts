import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * A strict fake provider on 127.0.0.1 for one test: routes with `:params`, every request recorded
 * (headers, raw body, parsed JSON or multipart form), scripted responses consumed in order, and
 * faults (delays, dropped connections). Provider fakes are built on it; they answer wrong auth,
 * wrong fields and wrong content types the way the real provider does.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  params: Record<string, string>;
  body: Buffer;
  text: string;
  /** Parsed when the content type is JSON and the body parses; else undefined. */
  json: unknown;
  /** Parsed when the content type is multipart/form-data or urlencoded. */
  form: FormData | undefined;
  contentType: string;
}

export interface FakeResponse {
  status?: number;
  headers?: Record<string, string>;
  json?: unknown;
  body?: string | Uint8Array;
  /** Wait before answering (to test timeouts and abort). */
  delayMs?: number;
  /** Drop the connection without answering. */
  destroy?: boolean;
  /** Stream the body in chunks of this many bytes, yielding between them. */
  chunkBytes?: number;
  /** A body written as it is produced (server-sent events): no content-length, ends when the iterable does. */
  stream?: AsyncIterable<string | Uint8Array>;
}

export type Handler = (req: RecordedRequest, server: FakeServer) => FakeResponse | Promise<FakeResponse>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

export interface FakeServer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** How many TCP connections were opened (keep-alive reuse check). */
  readonly connections: number;
  route(method: string, path: string, handler: Handler): FakeServer;
  /** Answer the next matching requests with these responses, in order, before the route handler. */
  script(method: string, path: string, ...responses: FakeResponse[]): FakeServer;
  /** Requests that hit a path (and method). */
  calls(method: string, path: string): RecordedRequest[];
  close(): Promise<void>;
}

function compile(path: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path
    .split("/")
    .map((seg) => {
      if (seg.startsWith(":")) {
        names.push(seg.slice(1));
        return "([^/]+)";
      }
      if (seg === "*") {
        names.push("rest");
        return "(.*)";
      }
      return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return { pattern: new RegExp(`^${source}$`), names };
}

function match(routes: Route[], method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
  for (const route of routes) {
    if (route.method !== "*" && route.method !== method) continue;
    const m = route.pattern.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    route.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1] ?? "")));
    return { route, params };
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function record(req: IncomingMessage, base: string): Promise<RecordedRequest> {
  const url = new URL(req.url ?? "/", base);
  const body = await readBody(req);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
  const contentType = (headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  let json: unknown;
  let form: FormData | undefined;
  const text = body.toString("utf8");
  if (contentType === "application/json" || contentType.endsWith("+json")) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  } else if (contentType === "multipart/form-data" || contentType === "application/x-www-form-urlencoded") {
    try {
      form = await new Request(url, { method: "POST", headers: { "content-type": headers["content-type"]! }, body: new Uint8Array(body) }).formData();
    } catch {
      form = undefined;
    }
  }
  return { method: req.method ?? "GET", path: url.pathname, query: url.searchParams, headers, params: {}, body, text, json, form, contentType };
}

async function send(res: ServerResponse, out: FakeResponse): Promise<void> {
  if (out.delayMs) await new Promise((r) => setTimeout(r, out.delayMs));
  if (out.destroy) {
    res.socket?.destroy();
    return;
  }
  const headers: Record<string, string> = { ...out.headers };
  if (out.stream) {
    res.writeHead(out.status ?? 200, headers);
    res.flushHeaders();
    for await (const chunk of out.stream) {
      if (res.destroyed) return;
      res.write(chunk);
    }
    res.end();
    return;
  }
  let payload: Uint8Array | string = "";
  if (out.json !== undefined) {
    payload = JSON.stringify(out.json);
    headers["content-type"] ??= "application/json";
  } else if (out.body !== undefined) {
    payload = out.body;
  }
  const bytes = typeof payload === "string" ? Buffer.from(payload) : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  headers["content-length"] = String(bytes.length);
  res.writeHead(out.status ?? 200, headers);
  if (!out.chunkBytes) {
    res.end(bytes);
    return;
  }
  for (let o = 0; o < bytes.length; o += out.chunkBytes) {
    if (!res.write(bytes.subarray(o, o + out.chunkBytes))) await new Promise((r) => res.once("drain", r));
    await new Promise((r) => setImmediate(r));
  }
  res.end();
}

export async function startFakeServer(setup?: (server: FakeServer) => void): Promise<FakeServer> {
  const routes: Route[] = [];
  const scripts: { method: string; pattern: RegExp; names: string[]; queue: FakeResponse[] }[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let base = "";

  const http = createServer(async (req, res) => {
    try {
      const rec = await record(req, base);
      requests.push(rec);
      const scripted = scripts.find((s) => (s.method === "*" || s.method === rec.method) && s.pattern.test(rec.path) && s.queue.length > 0);
      if (scripted) return await send(res, scripted.queue.shift()!);
      const found = match(routes, rec.method, rec.path);
      if (!found) return await send(res, { status: 404, json: { error: { message: `no fake route for ${rec.method} ${rec.path}` } } });
      rec.params = found.params;
      await send(res, await found.route.handler(rec, server));
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `fake server error: ${(error as Error).message}` } }));
    }
  });
  http.keepAliveTimeout = 5_000;
  http.on("connection", (s: Socket) => {
    connections++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  const server: FakeServer = {
    url: base,
    requests,
    get connections() {
      return connections;
    },
    route(method, path, handler) {
      routes.push({ method: method.toUpperCase(), ...compile(path), handler });
      return server;
    },
    script(method, path, ...responses) {
      scripts.push({ method: method.toUpperCase(), ...compile(path), queue: responses });
      return server;
    },
    calls(method, path) {
      const { pattern } = compile(path);
      return requests.filter((r) => r.method === method.toUpperCase() && pattern.test(r.path));
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  setup?.(server);
  return server;
}

/** Tiny valid PNG bytes (1×1) for fakes that return images. */
export const ONE_PIXEL_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
