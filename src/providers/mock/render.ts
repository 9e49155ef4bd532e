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
 * discs on top. Cheap enough for 2048² in tens of milliseconds.
 */
export function renderImage(width: number, height: number, seed: number): RgbImage {
  const rand = prng(seed);
  const c1 = [rand() * 255, rand() * 255, rand() * 255];
  const c2 = [rand() * 255, rand() * 255, rand() * 255];
  const discs = Array.from({ length: 3 + Math.floor(rand() * 4) }, () => ({
    x: rand() * width,
    y: rand() * height,
    r2: (0.05 + rand() * 0.2) ** 2 * Math.min(width, height) ** 2,
    c: [rand() * 255, rand() * 255, rand() * 255],
  }));
  const pixels = new Uint8Array(width * height * 3);
  const span = width + height;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (x + y) / span;
      let r = c1[0]! + (c2[0]! - c1[0]!) * t;
      let g = c1[1]! + (c2[1]! - c1[1]!) * t;
      let b = c1[2]! + (c2[2]! - c1[2]!) * t;
      for (const d of discs) {
        const dx = x - d.x;
        const dy = y - d.y;
        if (dx * dx + dy * dy < d.r2) {
          r = d.c[0]!;
          g = d.c[1]!;
          b = d.c[2]!;
        }
      }
      const i = (y * width + x) * 3;
      pixels[i] = r;
      pixels[i + 1] = g;
      pixels[i + 2] = b;
    }
  }
  return { width, height, pixels };
}
