import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HTTPError, TimeoutError } from "../../src/core/errors.js";
import { readServerSentEvents } from "../../src/core/sse.js";

/** A body that yields these chunks, then optionally stays open without sending anything. */
function body(chunks: string[], hang = false): ReadableStream<Uint8Array> & { cancelled: () => boolean } {
  let cancelled = false;
  const encoder = new TextEncoder();
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(encoder.encode(chunks[i++]!));
      else if (!hang) controller.close();
      else return new Promise(() => undefined);
    },
    cancel() {
      cancelled = true;
    },
  });
  return Object.assign(stream, { cancelled: () => cancelled });
}

const opts = { idleMs: 200, maxEventBytes: 1024, source: "test stream" };

describe("server-sent events reader", () => {
  it("parses events split anywhere across chunks, with names, ids, multi-line data, CRLF and comments", async () => {
    const events = [];
    for await (const e of readServerSentEvents(body([": hello\n\nda", "ta: {\"a\":1}\n\nevent: done\r\nid: 7\r\ndata: x\r\ndata: y\r\n", "\r\n"]), opts)) events.push(e);
    assert.deepEqual(events, [
      { event: "message", data: '{"a":1}', id: undefined },
      { event: "done", data: "x\ny", id: "7" },
    ]);
  });

  it("an event over the cap fails the read instead of growing a buffer, and cancels the body", async () => {
    const stream = body([`data: ${"x".repeat(600)}\n`, `data: ${"y".repeat(600)}\n\n`], true);
    await assert.rejects(async () => {
      for await (const _ of readServerSentEvents(stream, opts));
    }, (e: unknown) => e instanceof HTTPError && /larger than 1024 bytes/.test(e.message));
    assert.equal(stream.cancelled(), true);
    const endless = body([`data: ${"z".repeat(2000)}`], true);
    await assert.rejects(async () => {
      for await (const _ of readServerSentEvents(endless, opts));
    }, HTTPError);
  });

  it("silence longer than idleMs is a TimeoutError; an abort stops it with the signal's reason", async () => {
    await assert.rejects(async () => {
      for await (const _ of readServerSentEvents(body(["data: 1\n\n"], true), opts));
    }, TimeoutError);
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("stop")), 20);
    await assert.rejects(async () => {
      for await (const _ of readServerSentEvents(body([], true), { ...opts, idleMs: 10_000, signal: ac.signal }));
    }, /stop/);
  });
});
