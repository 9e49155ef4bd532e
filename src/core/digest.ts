/**
 * SHA-256 of a string as lowercase hex, with Web Crypto (Node, Bun, Deno, browsers and edge workers
 * alike): the library's import graph loads no Node built-in.
 */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
