/**
 * Generate an image and write it to a file. Offline with the mock provider; switch to a real one by
 * changing the config, e.g. { model: "gpt-image-2" } with OPENAI_API_KEY set.
 *
 *   npx tsx examples/generate-image.ts out.png
 */
import { downloadMedia, generateImage } from "tarash-gateway";

export async function main(out = "lighthouse.png") {
  const res = await generateImage(
    { provider: "mock", mock: { latencyMs: 100 } },
    { prompt: "a lighthouse at dusk", size: "768x512", seed: 7 },
    { onProgress: (u) => console.log(u.status, u.queuePosition ?? u.progressPercent ?? "") },
  );
  const [saved] = await downloadMedia(res, { to: out });
  console.log(`wrote ${saved?.path} (${res.images[0]?.width}×${res.images[0]?.height}), cost $${res.cost?.amountUsd}`);
  return res;
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv[2]);
