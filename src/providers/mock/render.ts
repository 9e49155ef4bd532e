import { createHash } from "node:crypto";
import type { RgbImage } from "./encode.js";

/** A deterministic PRNG (mulberry32): same seed, same picture. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from everything that should change the picture. */
export function seedFrom(...parts: (string | number | undefined)[]): number {
  return createHash("sha256").update(parts.map((p) => String(p ?? "")).join("\u0000")).digest().readUInt32LE(0);
}

/**
 * Paint a recognisable, seed-dependent picture: a diagonal gradient between two colours with a few
 * discs on top (a later disc covers an earlier one). Discs are filled as spans per row rather than
 * tested per pixel, so 4096² takes a fraction of a second; it still runs on a media worker.
 */
export function renderImage(width: number, height: number, seed: number): RgbImage {
  const rand = prng(seed);
  const c1 = [rand() * 255, rand() * 255, rand() * 255] as const;
  const c2 = [rand() * 255, rand() * 255, rand() * 255] as const;
  const discs = Array.from({ length: 3 + Math.floor(rand() * 4) }, () => ({
    x: rand() * width,
    y: rand() * height,
    r2: (0.05 + rand() * 0.2) ** 2 * Math.min(width, height) ** 2,
    c: [rand() * 255, rand() * 255, rand() * 255] as const,
  }));
  const pixels = new Uint8Array(width * height * 3);
  const span = width + height;
  const [dr, dg, db] = [c2[0] - c1[0], c2[1] - c1[1], c2[2] - c1[2]];
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let x = 0, i = row; x < width; x++, i += 3) {
      const t = (x + y) / span;
      pixels[i] = c1[0] + dr * t;
      pixels[i + 1] = c1[1] + dg * t;
      pixels[i + 2] = c1[2] + db * t;
    }
    for (const d of discs) {
      const dy = y - d.y;
      const inside = (x: number) => (x - d.x) * (x - d.x) + dy * dy < d.r2;
      const rem = d.r2 - dy * dy;
      if (rem <= 0) continue;
      const half = Math.sqrt(rem);
      // The span from the square root, nudged so exactly the pixels the circle test accepts are painted.
      let x0 = Math.max(0, Math.ceil(d.x - half));
      let x1 = Math.min(width - 1, Math.floor(d.x + half));
      while (x0 > 0 && inside(x0 - 1)) x0--;
      while (x0 <= x1 && !inside(x0)) x0++;
      while (x1 < width - 1 && inside(x1 + 1)) x1++;
      while (x1 >= x0 && !inside(x1)) x1--;
      for (let x = x0, i = row + x0 * 3; x <= x1; x++, i += 3) {
        pixels[i] = d.c[0];
        pixels[i + 1] = d.c[1];
        pixels[i + 2] = d.c[2];
      }
    }
  }
  return { width, height, pixels };
}
