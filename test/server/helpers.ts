import { mkdtemp, rm } from "node:fs/promises";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseHandle } from "../../packages/server/src/server/db/handle.js";
import { type RunningServer, type ServerConfigInput, type StartServerOptions, startServer } from "../../packages/server/src/server/index.js";

export interface TestServer extends RunningServer {
  dir: string;
  json(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }>;
  stop(): Promise<void>;
}

let shared: DatabaseHandle | undefined;

/**
 * One in-memory database for every test server of a test file, opened on first use: PGlite takes about
 * a second to start (far more on a loaded machine), too much for each of a file's servers. Tests that
 * count rows use their own tenant, or their own database.
 */
export function testDatabase(): DatabaseHandle {
  return (shared ??= new DatabaseHandle({ dir: "memory://" }));
}

/** The gateway on 127.0.0.1:0 with the mock provider, a temp storage dir, and quick mock latency. */
export async function startTestServer(config: ServerConfigInput = {}, options: Omit<StartServerOptions, "config"> = {}): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), "tarash-server-"));
  const database = options.database ?? testDatabase();
  // Open before listening, as startServer does with a database of its own: PGlite's start (WASM compile, ~600 MB)
  // then never lands in the middle of a test that measures the event loop or memory.
  await database.db();
  const running = await startServer({
    ...options,
    database,
    env: options.env ?? {},
    config: {
      logLevel: "silent",
      mock: { enabled: true, latencyMs: 20 },
      ...config,
      server: { port: 0, shutdownTimeoutMs: 5_000, ...config.server },
      storage: config.storage?.type === "s3" ? config.storage : { dir, ...config.storage },
    },
  });
  return Object.assign(running, {
    dir,
    async json(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
      const res = await fetch(running.url + path, {
        method: init.method ?? (init.body === undefined ? "GET" : "POST"),
        headers: { ...(init.body === undefined ? {} : { "content-type": "application/json" }), ...init.headers },
        body: init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body),
      });
      const text = await res.text();
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = { text };
      }
      return { status: res.status, headers: res.headers, body };
    },
    async stop() {
      await running.close();
      await rm(dir, { recursive: true, force: true });
    },
  });
}

export interface Receiver {
  url: string;
  requests: { headers: Record<string, string | string[] | undefined>; body: string; at: number }[];
  /** Statuses to answer, in order; the last repeats. */
  statuses: number[];
  next(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A local HTTP receiver (webhooks, JWKS) that records requests. */
export async function startReceiver(statuses: number[] = [200], respond?: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<Receiver> {
  const requests: Receiver["requests"] = [];
  const waiters: (() => void)[] = [];
  const server = createServer((req, res) => {
    if (respond?.(req, res)) return;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() });
      const status = receiver.statuses[Math.min(requests.length - 1, receiver.statuses.length - 1)] ?? 200;
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "nope");
      waiters.splice(0).forEach((w) => w());
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}`,
    requests,
    statuses,
    async next(count, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        if (Date.now() > deadline) throw new Error(`receiver got ${requests.length} of ${count} requests`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  return receiver;
}

/** Read an SSE response into events until the stream ends. */
export async function readSse(res: Response): Promise<{ event: string; id: string; data: Record<string, unknown> }[]> {
  const text = await res.text();
  return text
    .split("\n\n")
    .filter((block) => block.trim())
    .map((block) => {
      const fields: Record<string, string> = {};
      for (const line of block.split("\n")) {
        const at = line.indexOf(":");
        if (at > 0) fields[line.slice(0, at)] = line.slice(at + 1).trimStart();
      }
      return { event: fields.event ?? "", id: fields.id ?? "", data: JSON.parse(fields.data ?? "{}") as Record<string, unknown> };
    });
}

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];
