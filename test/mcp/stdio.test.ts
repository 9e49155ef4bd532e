import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import sharp from "sharp";
import { TOOL_NAMES, call, jsonOf, textOf, waitForJob } from "./helpers.js";

const ROOT = join(import.meta.dirname, "..", "..");
const DEV = join(ROOT, "test", "helpers", "tarash-dev.ts");
const TSX = import.meta.resolve("tsx");

describe("tarash mcp --mock (stdio, official SDK client)", () => {
  let client: Client;
  let transport: StdioClientTransport;
  let stderr = "";

  before(async () => {
    transport = new StdioClientTransport({
      command: process.execPath,
      args: ["--import", TSX, DEV, "mcp", "--mock"],
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "" },
      stderr: "pipe",
    });
    transport.stderr?.on("data", (d: Buffer) => (stderr += d));
    client = new Client({ name: "tarash-test", version: "1.0.0" });
    // Any stray byte on stdout (a log line, a warning) would break the client's JSON-RPC framing here.
    await client.connect(transport);
  });

  after(async () => {
    await client.close();
  });

  it("lists the seven tools, each with an input schema from the library's fields", async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), TOOL_NAMES);
    const gen = tools.find((t) => t.name === "generate_image")!;
    assert.equal(gen.inputSchema.type, "object");
    assert.deepEqual(gen.inputSchema.required, ["prompt"]);
    const props = gen.inputSchema.properties as Record<string, { enum?: string[] }>;
    for (const field of ["prompt", "size", "quality", "n", "seed", "model", "provider"]) assert.ok(props[field], `generate_image has ${field}`);
    assert.deepEqual(props.outputFormat?.enum, ["png", "jpeg", "webp"]);
    const edit = tools.find((t) => t.name === "edit_image")!;
    assert.deepEqual((edit.inputSchema.required ?? []).sort(), ["images", "prompt"]);
    assert.ok((edit.inputSchema.properties as Record<string, unknown>).mask);
    const video = tools.find((t) => t.name === "generate_video")!;
    assert.ok((video.inputSchema.properties as Record<string, unknown>).durationSeconds);
    assert.match(stderr, /serving on stdio \(mock provider\)/);
  });

  it("generate_image returns image content that decodes to a PNG of the requested size", async () => {
    const r = await call(client, "generate_image", { prompt: "a lighthouse at dusk", size: "1536x1024" });
    assert.equal(r.isError, undefined, textOf(r));
    const image = r.content.find((b) => b.type === "image") as { data: string; mimeType: string } | undefined;
    assert.ok(image, "an image block");
    assert.equal(image.mimeType, "image/png");
    const meta = await sharp(Buffer.from(image.data, "base64")).metadata();
    assert.equal(meta.format, "png");
    assert.equal(meta.width, 1536);
    assert.equal(meta.height, 1024);
    const summary = jsonOf(r);
    assert.equal(summary.isMock, true);
    assert.match(textOf(r), /image 1: /);
  });

  it("a malformed size is a tool error naming size and what it may be", async () => {
    const r = await call(client, "generate_image", { prompt: "x", size: "huge" });
    assert.equal(r.isError, true);
    assert.match(textOf(r), /size/);
    assert.match(textOf(r), /1024x1024.*auto.*square_hd/);
  });

  it("a size the model does not take is a tool error listing the model's sizes", async () => {
    const r = await call(client, "generate_image", { prompt: "x", model: "alibaba/wanx-v1", size: "1000x1000" });
    assert.equal(r.isError, true);
    assert.match(textOf(r), /size "1000x1000" is not supported by alibaba\/wanx-v1; allowed: 1024x1024, 720x1280, 1280x720, 768x1152/);
    assert.doesNotMatch(textOf(r), /\n\s+at /, "no stack trace");
  });

  it("an unknown field is refused by name", async () => {
    const r = await call(client, "generate_image", { prompt: "x", sizee: "1024x1024" });
    assert.equal(r.isError, true);
    assert.match(textOf(r), /sizee/);
  });

  it("edit_image takes a data: URL input and returns the edited image", async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#336699" } }).png().toBuffer();
    const r = await call(client, "edit_image", { prompt: "make it red", images: [`data:image/png;base64,${png.toString("base64")}`], size: "1024x1024" });
    assert.equal(r.isError, undefined, textOf(r));
    const image = r.content.find((b) => b.type === "image") as { data: string } | undefined;
    assert.ok(image);
    const meta = await sharp(Buffer.from(image.data, "base64")).metadata();
    assert.equal(meta.width, 1024);
  });

  it("edit_image refuses an input that is not a URL", async () => {
    const r = await call(client, "edit_image", { prompt: "x", images: ["/etc/passwd"] });
    assert.equal(r.isError, true);
    assert.match(textOf(r), /http\(s\) URL or a data: URL/);
    assert.match(textOf(r), /images/);
  });

  it("generate_video returns a job id at once; get_job follows it to completed with the video", async () => {
    const r = await call(client, "generate_video", { prompt: "waves" });
    assert.equal(r.isError, undefined, textOf(r));
    const submitted = jsonOf(r, "first");
    assert.equal(submitted.status, "queued");
    assert.match(String(submitted.jobId), /^vj_/);
    const done = await waitForJob(client, String(submitted.jobId));
    assert.equal(done.status, "completed");
    const videos = done.videos as { mediaType: string }[];
    assert.equal(videos[0]!.mediaType, "video/mp4");
    const result = done._result as { content: { type: string; resource?: { blob?: string; mimeType?: string } }[] };
    const embedded = result.content.find((b) => b.type === "resource");
    assert.equal(embedded?.resource?.mimeType, "video/mp4");
    assert.equal(Buffer.from(embedded!.resource!.blob!, "base64").subarray(4, 8).toString("latin1"), "ftyp");
  });

  it("generate_video with a progressToken sends progress until the job completes", async () => {
    const progress: number[] = [];
    const r = await call(client, "generate_video", { prompt: "waves" }, { onprogress: (p) => progress.push(p.progress), timeout: 60_000 });
    assert.equal(r.isError, undefined, textOf(r));
    assert.equal(jsonOf(r, "first").status, "completed");
    assert.equal(progress[0], 0, "the queued job reports 0 first");
    assert.equal(progress.at(-1), 100, "the completed job's 100 reaches the client before the result");
    assert.ok(progress.every((p) => p >= 0 && p <= 100));
    assert.deepEqual([...progress].sort((a, b) => a - b), progress, "progress only increases");
  });

  it("cancel_job cancels a running job, and get_job then says so", async () => {
    const r = await call(client, "generate_video", { prompt: "slow waves" });
    const { jobId } = jsonOf(r, "first") as { jobId: string };
    const cancelled = await call(client, "cancel_job", { jobId });
    assert.equal(cancelled.isError, undefined, textOf(cancelled));
    assert.equal(jsonOf(cancelled).status, "cancelled");
    const after = jsonOf(await call(client, "get_job", { jobId }), "first");
    assert.equal(after.status, "cancelled");
  });

  it("get_job on a malformed id is a tool error, not a crash", async () => {
    const r = await call(client, "get_job", { jobId: "not-a-job" });
    assert.equal(r.isError, true);
    assert.match(textOf(r), /job/i);
  });

  it("list_models filters by provider and kind; an unknown provider lists the real ones", async () => {
    const r = jsonOf(await call(client, "list_models", { provider: "openai", kind: "image" }));
    const ids = (r.models as { id: string; kind: string }[]).map((m) => m.id);
    assert.ok(ids.includes("openai/gpt-image-2"), ids.join(", "));
    assert.ok((r.models as { kind: string }[]).every((m) => m.kind === "image"));
    const bad = await call(client, "list_models", { provider: "bogus" });
    assert.equal(bad.isError, true);
    assert.match(textOf(bad), /unknown provider "bogus"; providers: .*openai/);
  });

  it("estimate_cost prices a request from the catalog", async () => {
    const r = jsonOf(await call(client, "estimate_cost", { kind: "image", model: "gpt-image-2", request: { size: "1024x1024", quality: "high" } }));
    assert.equal(r.model, "gpt-image-2");
    const cost = r.cost as { amountUsd: number; estimated: boolean };
    assert.equal(cost.estimated, true);
    assert.ok(cost.amountUsd > 0);
    const low = jsonOf(await call(client, "estimate_cost", { kind: "image", model: "gpt-image-2", request: { size: "1024x1024", quality: "low" } }));
    assert.ok((low.cost as { amountUsd: number }).amountUsd < cost.amountUsd, "low quality costs less");
    const model = "google/veo-3.1-fast-generate-001";
    const eight = jsonOf(await call(client, "estimate_cost", { kind: "video", model, request: { durationSeconds: 8 } }));
    const four = jsonOf(await call(client, "estimate_cost", { kind: "video", model, request: { durationSeconds: 4 } }));
    assert.ok((eight.cost as { amountUsd: number }).amountUsd > (four.cost as { amountUsd: number }).amountUsd, "a longer video costs more");
  });
});

describe("tarash mcp lifecycle", () => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", TSX, DEV, "mcp", ...args], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d));
      child.stderr.on("data", (d: Buffer) => (stderr += d));
      const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      child.on("close", (code) => {
        clearTimeout(killer);
        resolve({ code, stdout, stderr });
      });
      child.stdin.end();
    });

  it("exits 0 when the client closes stdin, having written nothing to stdout", async () => {
    const r = await run(["--mock"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
  });

  it("refuses arguments it does not take, as a usage error", async () => {
    const r = await run(["--mock", "extra"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /tarash mcp takes no arguments/);
  });
});
