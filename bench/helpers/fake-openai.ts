/**
 * The OpenAI-shaped upstream of bench/server, run as its own process (forked by bench/server.ts) so it
 * never shares an event loop with the gateway under test. `POST /v1/images/generations` answers a
 * prebuilt `ImagesResponse` with one `b64_json` image; the parent switches the payload between a tiny
 * PNG and a ~2 MB one over IPC between scenarios, so every target sees the same upstream process.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { PAYLOADS, type Payload, type UpstreamMessage } from "./protocol.js";

function pngLike(size: number): Buffer {
  // A real PNG signature + IHDR so media sniffing says image/png; the rest is incompressible filler.
  const head = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ", "base64");
  return Buffer.concat([head, randomBytes(Math.max(0, size - head.length))]);
}

const bodies: Record<Payload, Buffer> = {
  // A 1×1 PNG: the small scenario measures per-request overhead, not base64 throughput.
  small: Buffer.from(JSON.stringify({ created: 1, data: [{ b64_json: PAYLOADS.small }] })),
  // 1.5 MiB of bytes → 2 MiB of base64.
  large: Buffer.from(JSON.stringify({ created: 1, data: [{ b64_json: pngLike(1.5 * 1024 * 1024).toString("base64") }] })),
};
let current: Payload = "small";

const server = createServer((req, res) => {
  if (req.method !== "POST" || req.url !== "/v1/images/generations") {
    req.resume();
    res.writeHead(404, { "content-type": "application/json" }).end('{"error":{"message":"not found","type":"invalid_request_error"}}');
    return;
  }
  if (!/^Bearer \S+/.test(req.headers.authorization ?? "")) {
    req.resume();
    res.writeHead(401, { "content-type": "application/json" }).end('{"error":{"message":"missing key","type":"invalid_request_error","code":"invalid_api_key"}}');
    return;
  }
  req.resume();
  req.on("end", () => {
    const body = bodies[current];
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length, "x-request-id": "req_bench" });
    res.end(body);
  });
});

process.on("message", (m: UpstreamMessage) => {
  if (m.type === "payload") {
    current = m.payload;
    // The parent reads back the exact base64 so it can check byte-exact pass-through.
    const b64 = (JSON.parse(bodies[current].toString()) as { data: { b64_json: string }[] }).data[0]!.b64_json;
    process.send!({ type: "payload-set", payload: current, b64 });
  }
});
process.on("disconnect", () => process.exit(0));

server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.send!({ type: "ready", port: (server.address() as AddressInfo).port });
});
