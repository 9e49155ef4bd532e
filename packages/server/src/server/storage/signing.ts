import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Signed, expiring file URLs: `sig = HMAC-SHA256(secret, "{key}\n{expires}")`, base64url. The key is
 * part of the signed text, so a signature for one file opens no other.
 */
export class UrlSigner {
  private readonly secret: Buffer;

  constructor(secret?: string | undefined) {
    this.secret = secret ? Buffer.from(secret, "utf8") : randomBytes(32);
  }

  sign(key: string, expires: number): string {
    return createHmac("sha256", this.secret).update(`${key}\n${expires}`).digest("base64url");
  }

  /** `ok`, or why the URL is refused. */
  verify(key: string, expires: string | undefined, sig: string | undefined, now = Date.now()): "ok" | "missing" | "expired" | "invalid" {
    if (!expires || !sig) return "missing";
    if (!/^\d{1,13}$/.test(expires)) return "invalid";
    const expected = Buffer.from(this.sign(key, Number(expires)));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "invalid";
    if (Number(expires) * 1000 < now) return "expired";
    return "ok";
  }
}
