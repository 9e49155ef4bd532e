/**
 * Bring your own provider: a definition with a capability entry and an adapter that only translates.
 * Retries, timeouts, validation, progress and cost come from the core.
 *
 *   npx tsx examples/custom-provider.ts
 */
import { createGateway, ValidationError } from "tarash-gateway";

export async function main() {
  const gateway = createGateway({ logLevel: "silent" });
  gateway.registerProvider({
    id: "inhouse",
    requiresApiKey: false,
    models: [{ provider: "inhouse", model: "solid-colour", kind: "image", sizes: ["64x64", "128x128"], maxN: 1, price: { unit: "image", usd: 0.001 } }],
    async generateImage(ctx, req) {
      // A real adapter would call ctx.http(); this one reuses the mock's output to stay offline.
      const mock = await createGateway({ logLevel: "silent" }).generateImage({ provider: "mock", mock: { latencyMs: 0 } }, { prompt: req.prompt, size: req.size ?? "64x64" });
      await ctx.progress({ status: "processing", progressPercent: 50 });
      return { images: mock.images.map((i) => ({ url: i.url })), rawResponse: { model: ctx.model } };
    },
  });
  const res = await gateway.generateImage({ model: "inhouse/solid-colour" }, { prompt: "teal", size: "128x128" });
  console.log(res.provider, res.model, res.images[0]?.width, res.cost);
  try {
    await gateway.generateImage({ model: "inhouse/solid-colour" }, { prompt: "teal", size: "1024x1024" });
  } catch (error) {
    if (error instanceof ValidationError) console.log("refused:", error.issues[0]?.message);
  }
  return res;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
