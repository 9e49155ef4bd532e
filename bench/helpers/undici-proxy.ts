/**
 * The practical limit for a Node gateway in bench/server: the least a proxy can do per request on
 * node:http with undici's request() (keep-alive pool to the upstream), and nothing else: no validation,
 * no routing, no logging. Forwards POST /v1/images/generations to the upstream given as argument and
 * streams the answer back. Run as its own process, like every target.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream/promises";
import { Pool } from "undici";

const upstream = process.argv[2];
if (!upstream || !/^http:\/\/127\.0\.0\.1:\d+$/.test(upstream)) throw new Error(`usage: undici-proxy.ts http://127.0.0.1:<port>, got ${upstream}`);
const pool = new Pool(upstream, { connections: 64, pipelining: 1 });

const server = createServer(async (req, res) => {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const reply = await pool.request({
      path: req.url ?? "/",
      method: "POST",
      headers: { "content-type": "application/json", authorization: req.headers.authorization ?? "" },
      body: Buffer.concat(chunks),
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    const length = reply.headers["content-length"];
    res.writeHead(reply.statusCode, typeof length === "string" ? { "content-type": "application/json", "content-length": length } : { "content-type": "application/json" });
    await pipeline(reply.body, res);
  } catch (error) {
    if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: String(error) } }));
    else res.destroy();
  }
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => process.send!({ type: "ready", port: (server.address() as AddressInfo).port }));
process.on("disconnect", () => process.exit(0));
