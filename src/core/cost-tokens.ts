import type { InputImageTokenRule } from "./capabilities.js";
import { readImageDimensions } from "./media/sniff.js";
import type { Dimensions } from "./sizes.js";
import type { MediaInput } from "./types.js";

/**
 * Token counts for estimates made before a call, when the provider has not said yet. Each is an
 * estimate and is marked so; after the call the provider's reported usage replaces it.
 */

/**
 * Prompt tokens: about 4 characters of English text per token, OpenAI's and Google's published rule
 * of thumb ("a token is about 4 characters"). Non-English text usually takes more tokens.
 */
export const CHARS_PER_TOKEN = 4;

export function estimateTextTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** The size assumed for an input image whose bytes are not at hand (a URL, a Blob): a 1024² image. */
export const ASSUMED_INPUT_IMAGE: Readonly<Dimensions> = { width: 1024, height: 1024 };

/** Enough of a file to hold the PNG/GIF/WebP header and a JPEG's SOF in all but unusual files. */
const HEADER_BYTES = 64 * 1024;
const HEADER_BASE64_CHARS = (HEADER_BYTES / 3) * 4;

/**
 * Width and height of an input image when its bytes are at hand (bytes, or a base64 `data:` URL of
 * which only the header is decoded). Undefined for URLs and Blobs: reading those would mean a
 * download or an await, and an estimate must be cheap and synchronous.
 */
export function inputImageDimensions(input: MediaInput): Dimensions | undefined {
  if (input instanceof Uint8Array) return readImageDimensions(input.subarray(0, HEADER_BYTES));
  if (typeof input !== "string" || !/^data:/i.test(input)) return undefined;
  const comma = input.indexOf(",");
  if (comma < 0 || !/;base64$/i.test(input.slice(0, comma))) return undefined;
  const head = input.slice(comma + 1, comma + 1 + HEADER_BASE64_CHARS);
  return readImageDimensions(new Uint8Array(Buffer.from(head, "base64")));
}

function scaleToFit(d: Dimensions, max: number): Dimensions {
  const scale = Math.min(1, max / Math.max(d.width, d.height));
  return { width: Math.floor(d.width * scale), height: Math.floor(d.height * scale) };
}

/** Input tokens one image costs under a provider's documented rule (see `InputImageTokenRule`). */
export function imageInputTokens(rule: InputImageTokenRule, d: Dimensions): number {
  if (rule.kind === "fixed") return rule.tokens;
  if (rule.smallMaxSide !== undefined && d.width <= rule.smallMaxSide && d.height <= rule.smallMaxSide) {
    return rule.smallTokens ?? rule.tokensPerTile;
  }
  let s = rule.fitWithin ? scaleToFit(d, rule.fitWithin) : d;
  if (rule.shortSide !== undefined && Math.min(s.width, s.height) > rule.shortSide) {
    const scale = rule.shortSide / Math.min(s.width, s.height);
    s = { width: Math.floor(s.width * scale), height: Math.floor(s.height * scale) };
  }
  const tiles = Math.ceil(s.width / rule.tileSize) * Math.ceil(s.height / rule.tileSize);
  return (rule.baseTokens ?? 0) + tiles * rule.tokensPerTile;
}
