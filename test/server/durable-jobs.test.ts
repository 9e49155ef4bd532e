import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createHmac, timingSafeEqual } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type FakeServer, startFakeServer } from "../helpers/fake-server.js";
import { freePort } from "../helpers/ports.js";
import { type Receiver, startReceiver } from "./helpers.js";

/**
 * The gateway as a child process (embedded PGlite in a temp dir), killed with SIGKILL while it runs
 * video jobs against a fake Luma on 127.0.0.1, then started again: every accepted job must finish,
 * each provider job must have been submitted exactly once, and each webhook must arrive signed.
 */

const DEV = join(import.meta.dirname, "..", "helpers", "tarash-dev.ts");
const TSX = import.meta.resolve("tsx");
const KEY = "luma-test-key-0123456789";
const SECRET = "whsec_durable_0123456789";
const JOBS = 20;
const CONCURRENCY = 5;
/** How long a fake provider job takes (wall clock), so a kill lands while jobs run. */
const JOB_MS = 4_000;

function verifySignature(header: string, body: string, secret: string): boolean {
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=") as [string, string]));
  const expected = createHmac("sha256", secret).update(`${parts.t}.${body}`).digest();
  const given = Buffer.from(parts.v1 ?? "", "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

interface Generation {
  id: string;
  prompt: string;
  createdAt: number;
  deleted: boolean;
}

/** Luma's generation protocol, with jobs that complete JOB_MS after they were created. */
async function startProvider(): Promise<{ server: FakeServer; generations: Map<string, Generation>; submissions: Map<string, number> }> {
  const generations = new Map<string, Generation>();
  const submissions = new Map<string, number>();
  let next = 0;
  const server = await startFakeServer((s) => {
    s.route("POST", "/dream-machine/v1/generations/video", (req) => {
      if (req.headers.authorization !== `Bearer ${KEY}`) return { status: 401, json: { detail: "Invalid API key provided" } };
      const body = req.json as { prompt: string };
      submissions.set(body.prompt, (submissions.get(body.prompt) ?? 0) + 1);
      const id = `gen-${++next}`;
      generations.set(id, { id, prompt: body.prompt, createdAt: Date.now(), deleted: false });
      return { status: 201, json: { id, state: "queued", request: body } };
    });
    s.route("GET", "/dream-machine/v1/generations/:id", (req, srv) => {
      const gen = generations.get(req.params.id!);
      if (!gen || gen.deleted) return { status: 404, json: { detail: "Generation not found" } };
      const done = Date.now() - gen.createdAt >= JOB_MS;
      return {
        json: {
          id: gen.id,
          state: done ? "completed" : "dreaming",
          assets: done ? { video: `${srv.url}/cdn/${gen.id}.mp4` } : null,
          request: { prompt: gen.prompt, duration: "5s" },
        },
      };
    });
    s.route("DELETE", "/dream-machine/v1/generations/:id", (req) => {
      const gen = generations.get(req.params.id!);
      if (gen) gen.deleted = true;
      return { status: 204 };
    });
    s.route("GET", "/cdn/:name", () => ({ headers: { "content-type": "video/mp4" }, body: Buffer.from("\0\0\0\x18ftypmp42fake video bytes") }));
  });
  return { server, generations, submissions };
}

interface Gateway {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** `tarash serve` in its own process; resolves once it listens. */
function startGateway(configPath: string, cwd: string): Promise<Gateway> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", TSX, DEV, "serve", "--config", configPath], { cwd, env: { ...process.env, TARASH_MOCK: "" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the gateway did not start within 120 s:\n${out.slice(-3000)}`));
    }, 120_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, output: () => out });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the gateway exited (${code}) before listening:\n${out.slice(-3000)}`));
    });
  });
}

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("durable jobs: kill -9 of the gateway loses nothing", () => {
  let dir: string;
  let provider: Awaited<ReturnType<typeof startProvider>>;
  let receiver: Receiver;
  let configPath: string;
  let gateway: Gateway | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tarash-durable-"));
    provider = await startProvider();
    receiver = await startReceiver([200]);
    configPath = join(dir, "tarash.config.json");
    await writeFile(
      configPath,
      JSON.stringify({
        server: { host: "127.0.0.1", port: await freePort() },
        logLevel: "warn",
        mock: { enabled: false },
        providers: { luma: { apiKey: KEY, baseUrl: `${provider.server.url}/dream-machine/v1` } },
        defaults: { pollIntervalMs: 200 },
        database: { dir: join(dir, "db") },
        storage: { type: "local", dir: join(dir, "storage"), signingSecret: "signing-secret-for-the-test" },
        network: { allowPrivateNetwork: true },
        webhooks: { allowPrivateNetwork: true, initialBackoffMs: 100 },
        queue: { concurrency: CONCURRENCY },
      }),
    );
  });

  after(async () => {
    gateway?.child.kill("SIGKILL");
    await provider.server.close();
    await receiver.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(`${JOBS} video jobs: accepted, SIGKILL mid-run, restarted: all finish, each submitted once, each webhook signed`, { timeout: 300_000 }, async () => {
    gateway = await startGateway(configPath, dir);
    const ids: string[] = [];
    for (let i = 0; i < JOBS; i++) {
      const res: Response = await fetch(`${gateway.url}/v1/jobs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ kind: "video", model: "luma/ray-2", request: { prompt: `take ${i}` }, webhook: { url: `${receiver.url}/hook`, secret: SECRET } }),
      });
      const body = (await res.json()) as { id: string };
      assert.equal(res.status, 202, JSON.stringify(body));
      ids.push(body.id);
    }
    // The first CONCURRENCY provider jobs are running (submitted, polling), the rest wait in the queue.
    await waitUntil("the first provider jobs", () => provider.submissions.size >= CONCURRENCY, 60_000);
    // Kill well inside the provider's run time: the submits have returned and were recorded.
    await new Promise((r) => setTimeout(r, 1_000));
    const submittedBeforeKill = new Set(provider.submissions.keys());
    assert.ok(submittedBeforeKill.size < JOBS, "some jobs were still waiting when the gateway was killed");
    const exited = new Promise((r) => gateway!.child.once("exit", r));
    gateway.child.kill("SIGKILL");
    await exited;
    const finishedBeforeKill = receiver.requests.length;

    gateway = await startGateway(configPath, dir);
    const restarted = gateway;
    const statuses = new Map<string, string>();
    await waitUntil(
      "every job to finish",
      async () => {
        for (const id of ids) {
          if (statuses.get(id) === "completed") continue;
          const res = await fetch(`${restarted.url}/v1/jobs/${id}`);
          assert.equal(res.status, 200, `job ${id} is known after the restart`);
          const job = (await res.json()) as { status: string; error: unknown };
          assert.ok(job.status !== "failed" && job.status !== "cancelled", `job ${id} ended ${job.status}: ${JSON.stringify(job.error)}`);
          statuses.set(id, job.status);
        }
        return [...statuses.values()].filter((s) => s === "completed").length === JOBS;
      },
      180_000,
    );

    // Each provider job exactly once: none submitted again after the restart, none lost.
    assert.equal(provider.submissions.size, JOBS);
    for (const [prompt, count] of provider.submissions) assert.equal(count, 1, `"${prompt}" was submitted ${count} times`);
    assert.equal([...provider.generations.values()].filter((g) => g.deleted).length, 0, "no provider job was cancelled");

    // Each webhook at least once, signed with the job's secret, for the job's completion.
    await waitUntil("a webhook per job", () => new Set(receiver.requests.map((r) => r.headers["x-tarash-job-id"])).size >= JOBS, 60_000);
    for (const request of receiver.requests) {
      assert.ok(verifySignature(String(request.headers["x-tarash-signature"]), request.body, SECRET), "a valid signature");
      const event = JSON.parse(request.body) as { type: string; data: { id: string; status: string; result: { videos: { url: string }[] } } };
      assert.equal(event.type, "job.completed");
      assert.equal(event.data.status, "completed");
      assert.ok(ids.includes(event.data.id));
    }
    const resumedResult = (await (await fetch(`${restarted.url}/v1/jobs/${ids[0]}`)).json()) as { result: { videos: { url: string }[] } };
    const video = await fetch(resumedResult.result.videos[0]!.url);
    assert.equal(video.status, 200, "the resumed job's output is stored and served");
    assert.ok(finishedBeforeKill < JOBS, "the kill landed before the jobs were done");

    const stopped = new Promise((r) => restarted.child.once("exit", r));
    restarted.child.kill("SIGTERM");
    await stopped;
    gateway = undefined;
  });
});
