import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { refreshCatalog } from "../../src/cli/models-refresh.js";
import { createGateway } from "../../src/index.js";
import { type FakeServer, startFakeServer } from "../helpers/fake-server.js";
import { FAL_KEY, type FalFake, startFalFake } from "../fakes/fal.js";
import { FAKE_TOKEN, type ReplicateFake, startReplicateFake } from "../fakes/replicate.js";

const ROOT = join(import.meta.dirname, "..", "..");
const DEV = join(ROOT, "test", "helpers", "tarash-dev.ts");
const TSX = import.meta.resolve("tsx");
const OPENAI_KEY = "sk-test-refresh-0123456789";
const GEMINI_KEY = "gm-test-refresh-0123456789";

describe("tarash models --refresh", () => {
  let openai: FakeServer;
  let gemini: FakeServer;
  let fal: FalFake;
  let replicate: ReplicateFake;
  const gw = createGateway({ logLevel: "silent" });

  before(async () => {
    openai = await startFakeServer((s) =>
      s.route("GET", "/v1/models", (req) =>
        req.headers.authorization === `Bearer ${OPENAI_KEY}`
          ? {
              json: {
                object: "list",
                data: ["gpt-image-1", "gpt-image-1-mini", "gpt-image-9", "gpt-4o", "whisper-1"].map((id) => ({ id, object: "model", created: 1, owned_by: "system" })),
              },
            }
          : { status: 401, json: { error: { message: "Incorrect API key provided", type: "invalid_request_error", code: "invalid_api_key" } } },
      ),
    );
    gemini = await startFakeServer((s) =>
      s.route("GET", "/v1beta/models", (req) => {
        if (req.headers["x-goog-api-key"] !== GEMINI_KEY) return { status: 400, json: { error: { code: 400, message: "API key not valid", status: "INVALID_ARGUMENT" } } };
        const model = (id: string) => ({ name: `models/${id}`, displayName: id, supportedGenerationMethods: ["generateContent"] });
        return req.query.get("pageToken") === "p2"
          ? { json: { models: [model("veo-9.0-generate-001"), model("text-embedding-004")] } }
          : { json: { models: [model("gemini-2.5-flash-image"), model("gemini-2.5-pro")], nextPageToken: "p2" } };
      }),
    );
    fal = await startFalFake({
      listing: [
        { endpoint_id: "fal-ai/flux/dev", metadata: { category: "text-to-image", status: "active" } },
        { endpoint_id: "fal-ai/flux/schnell", metadata: { category: "text-to-image", status: "deprecated" } },
        { endpoint_id: "fal-ai/acme/pixel-forge", metadata: { category: "text-to-image", status: "active" } },
        { endpoint_id: "fal-ai/acme/motion", metadata: { category: "text-to-video", status: "active" } },
        { endpoint_id: "fal-ai/acme/voice", metadata: { category: "text-to-speech", status: "active" } },
      ],
    });
    const model = (owner: string, name: string) => ({ url: `https://replicate.com/${owner}/${name}`, owner, name, visibility: "public", run_count: 5 });
    replicate = await startReplicateFake({
      collections: { "text-to-image": [model("black-forest-labs", "flux-schnell"), model("acme", "brushwork")], "text-to-video": [model("acme", "reel")] },
    });
  });
  after(() => Promise.all([openai.close(), gemini.close(), fal.close(), replicate.close()]));

  const env = () => ({ OPENAI_API_KEY: OPENAI_KEY, GEMINI_API_KEY: GEMINI_KEY, FAL_KEY, REPLICATE_API_TOKEN: FAKE_TOKEN });
  const baseUrls = () => ({ openai: `${openai.url}/v1`, google: gemini.url, fal: fal.url, replicate: replicate.baseUrl });

  it("lists what is new, gone and changed per provider, against each provider's own listing", async () => {
    const diffs = await refreshCatalog(gw, { env: env(), baseUrls: baseUrls() });
    const by = new Map(diffs.map((d) => [d.provider, d]));

    const o = by.get("openai")!;
    assert.equal(o.error, undefined);
    assert.deepEqual(o.new, ["gpt-image-9"], "only media models count as new");
    assert.ok(!o.gone.includes("gpt-image-1") && o.gone.includes(gw.listModels({ provider: "openai", kind: "video" })[0]!.model));

    const g = by.get("google")!;
    assert.equal(g.error, undefined);
    assert.deepEqual(g.new, ["veo-9.0-generate-001"], "the second page was read");
    assert.ok(!g.gone.includes("gemini-2.5-flash-image"));
    assert.equal(gemini.calls("GET", "/v1beta/models").length, 2);

    const f = by.get("fal")!;
    assert.equal(f.error, undefined);
    assert.deepEqual(f.new, ["fal-ai/acme/motion", "fal-ai/acme/pixel-forge"]);
    assert.ok(!f.gone.includes("fal-ai/flux/dev"));
    assert.deepEqual(f.changed, [{ model: "fal-ai/flux/schnell", note: "fal marks it deprecated" }]);
    const findReads = fal.server.calls("GET", "/v1/models").filter((r) => r.query.getAll("endpoint_id").length > 0);
    assert.ok(findReads.every((r) => r.query.getAll("endpoint_id").length <= 50 && r.headers.authorization === `Key ${FAL_KEY}`));

    const r = by.get("replicate")!;
    assert.equal(r.error, undefined);
    assert.deepEqual(r.new, ["acme/brushwork", "acme/reel"]);
    assert.ok(!r.gone.includes("black-forest-labs/flux-schnell"));
    const catalogIds = new Set(gw.listModels({ provider: "replicate" }).map((m) => m.model));
    assert.ok(r.gone.every((id) => catalogIds.has(id)));
  });

  it("skips a provider without a key with one line, and reports a rejected key without stopping the others", async () => {
    const diffs = await refreshCatalog(gw, { env: { OPENAI_API_KEY: "sk-wrong-key-000000000000", FAL_KEY }, baseUrls: baseUrls() });
    const by = new Map(diffs.map((d) => [d.provider, d]));
    assert.match(by.get("google")!.skipped!, /GEMINI_API_KEY/);
    assert.match(by.get("replicate")!.skipped!, /REPLICATE_API_TOKEN/);
    assert.match(by.get("openai")!.error!, /401|Incorrect API key/);
    assert.ok(!by.get("openai")!.error!.includes("sk-wrong-key-000000000000"));
    assert.equal(by.get("fal")!.error, undefined);
  });

  it("the CLI prints one block per provider and a skip line for each missing key", async () => {
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        ["--import", TSX, DEV, "models", "--refresh", "--base-url", `openai=${openai.url}/v1`, "--base-url", `fal=${fal.url}`],
        { cwd: ROOT, env: { PATH: process.env.PATH ?? "", OPENAI_API_KEY: OPENAI_KEY, FAL_KEY }, stdio: ["ignore", "pipe", "pipe"] },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d));
      child.stderr.on("data", (d: Buffer) => (stderr += d));
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^openai: 1 new, \d+ gone, 0 changed/m);
    assert.match(run.stdout, /^ {2}\+ gpt-image-9$/m);
    assert.match(run.stdout, /^google: skipped, no key \(set GEMINI_API_KEY or GOOGLE_API_KEY\)$/m);
    assert.match(run.stdout, /^replicate: skipped, no key \(set REPLICATE_API_TOKEN\)$/m);
    assert.match(run.stdout, /^fal: 2 new, \d+ gone, 1 changed/m);
    assert.match(run.stdout, /^ {2}~ fal-ai\/flux\/schnell: fal marks it deprecated$/m);
  });
});
