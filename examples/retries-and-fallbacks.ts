/**
 * Survive an outage: the primary is rate limited twice, so after its retries the fallback answers.
 * Every attempt is in executionMetadata.
 *
 *   npx tsx examples/retries-and-fallbacks.ts
 */
import { generateImage } from "tarash-gateway";

export async function main() {
  const res = await generateImage(
    {
      provider: "mock",
      model: "mock-image",
      maxRetries: 1,
      mock: { latencyMs: 0, failureRate: 1, errorType: "rate_limit" },
      fallbacks: [{ provider: "mock", model: "backup-image", mock: { latencyMs: 0 } }],
    },
    { prompt: "a red fox", size: "512x512" },
  );
  for (const a of res.executionMetadata.attempts) {
    console.log(`#${a.attempt} ${a.provider}/${a.model}: ${a.status}${a.errorType ? ` (${a.errorType})` : ""}`);
  }
  return res;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
