import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AuthenticationError, createGateway, type Logger } from "../../src/index.js";
import { type FakeServer, ONE_PIXEL_PNG, startFakeServer } from "../helpers/fake-server.js";

const KEY = "sk-proj-TOPSECRET-abcdef0123456789";

/**
 * The Python original logged a nested api_key at INFO. Here a provider echoes the key back in both
 * its error and its success bodies, every log level is captured, and the key must appear nowhere.
 */
describe("secrets never leak", () => {
  let fake: FakeServer;
  const lines: string[] = [];
  const sink = (level: string) => (fields: Record<string, unknown>, msg: string) => void lines.push(`${level} ${msg} ${JSON.stringify(fields)}`);
  const logger: Logger = { debug: sink("debug"), info: sink("info"), warn: sink("warn"), error: sink("error") };
  before(async () => {
    fake = await startFakeServer((s) =>
      s.route("POST", "/gen", (req) =>
        req.headers.authorization === `Bearer ${KEY}` && (req.json as { fail?: boolean }).fail !== true
          ? { json: { b64: ONE_PIXEL_PNG.toString("base64"), debug: { echoed_key: KEY, headers: { authorization: `Bearer ${KEY}` } } } }
          : { status: 401, json: { error: { message: `Incorrect API key provided: ${req.headers.authorization}`, config: { api_key: KEY } } } },
      ),
    );
  });
  after(() => fake.close());

  it("keeps the key out of logs, errors and rawResponse at any depth", async () => {
    const gw = createGateway({ logger, logLevel: "debug" });
    gw.registerProvider({
      id: "echo",
      models: [{ provider: "echo", model: "e", kind: "image", maxN: 1, seed: true }],
      async generateImage(ctx, req) {
        ctx.logger.info({ config: { nested: { apiKey: ctx.apiKey } } }, "calling provider");
        const body = await ctx
          .http({ headers: { authorization: `Bearer ${ctx.requireApiKey()}` } })
          .json<{ b64: string }>("/gen", { json: { prompt: req.prompt, fail: req.seed === 1 } });
        return { images: [{ data: Buffer.from(body.b64, "base64") }], rawResponse: body };
      },
    });
    const cfg = { provider: "echo", model: "e", apiKey: KEY, baseUrl: fake.url, maxRetries: 0 };
    const ok = await gw.generateImage(cfg, { prompt: "hi" });
    let thrown: unknown;
    await gw.generateImage(cfg, { prompt: "hi", seed: 1 }).catch((e: unknown) => (thrown = e));
    assert.ok(thrown instanceof AuthenticationError);
    const everything = [
      JSON.stringify(ok),
      JSON.stringify(ok.rawResponse),
      String(thrown.message),
      JSON.stringify(thrown),
      JSON.stringify(thrown.rawResponse),
      JSON.stringify(thrown.executionMetadata),
      lines.join("\n"),
    ].join("\n");
    assert.ok(lines.length > 0);
    assert.equal(everything.includes("TOPSECRET"), false);
    assert.match(JSON.stringify(ok.rawResponse), /\[REDACTED\]/);
  });

  it("also scrubs an access token from providerConfig and a custom auth header when a provider echoes them", async () => {
    const TOKEN = "ya29.VERTEXTOKEN-0123456789abcdef";
    const HEADER = "HDRSECRET-0123456789abcdef";
    const gw = createGateway({ logger, logLevel: "debug" });
    gw.registerProvider({
      id: "echo2",
      models: [{ provider: "echo2", model: "e", kind: "image", maxN: 1 }],
      async generateImage(ctx) {
        // A careless upstream quoting the credentials it was given, in plain text.
        throw new AuthenticationError(`token ${String(ctx.providerConfig.accessToken)} and header ${ctx.headers["x-api-token"]} were refused`, {
          rawResponse: { said: `Bearer ${HEADER}`, echoed: [TOKEN] },
        });
      },
    });
    let thrown: unknown;
    await gw
      .generateImage({ provider: "echo2", model: "e", providerConfig: { accessToken: TOKEN }, headers: { "x-api-token": `Token ${HEADER}` } }, { prompt: "x" })
      .catch((e: unknown) => (thrown = e));
    assert.ok(thrown instanceof AuthenticationError);
    const everything = [thrown.message, JSON.stringify(thrown), JSON.stringify(thrown.rawResponse), lines.join("\n")].join("\n");
    assert.match(thrown.message, /\[REDACTED\]/);
    assert.equal(everything.includes("VERTEXTOKEN"), false);
    assert.equal(everything.includes("HDRSECRET"), false);
  });
});
