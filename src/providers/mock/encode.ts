import { deflateSync } from "node:zlib";
import jpeg from "jpeg-js";

/**
 * Encoders for the mock provider's images. RGB pixels in, real files out: PNG through zlib, JPEG
 * through jpeg-js, WebP as a lossless VP8L stream written here (no native dependency for a mock).
 */

export interface RgbImage {
  width: number;
  height: number;
  /** width × height × 3 bytes, row-major RGB. */
  pixels: Uint8Array;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export function encodePng(img: RgbImage): Uint8Array {
  const { width, height, pixels } = img;
  const raw = new Uint8Array((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0; // filter: none
    raw.set(pixels.subarray(y * width * 3, (y + 1) * width * 3), y * (width * 3 + 1) + 1);
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour RGB
  const parts = [
    Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", new Uint8Array(deflateSync(raw, { level: 6 }))),
    pngChunk("IEND", new Uint8Array(0)),
  ];
  return concat(parts);
}

export function encodeJpeg(img: RgbImage, quality = 85): Uint8Array {
  const rgba = new Uint8Array(img.width * img.height * 4);
  for (let i = 0, j = 0; i < img.pixels.length; i += 3, j += 4) {
    rgba[j] = img.pixels[i]!;
    rgba[j + 1] = img.pixels[i + 1]!;
    rgba[j + 2] = img.pixels[i + 2]!;
    rgba[j + 3] = 255;
  }
  const encoded = jpeg.encode({ data: rgba, width: img.width, height: img.height }, quality);
  return new Uint8Array(encoded.data);
}

/** LSB-first bit writer, as VP8L reads. Bytes go to a typed array (a 4096² image is 50 MB of them). */
class BitWriter {
  private bytes: Uint8Array;
  private length = 0;
  private acc = 0;
  private n = 0;
  constructor(capacity: number) {
    this.bytes = new Uint8Array(Math.max(64, capacity));
  }
  write(value: number, bits: number): void {
    for (let i = 0; i < bits; i++) {
      this.acc |= ((value >>> i) & 1) << this.n;
      if (++this.n === 8) this.push();
    }
  }
  private push(): void {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = this.acc;
    this.acc = 0;
    this.n = 0;
  }
  finish(): Uint8Array {
    if (this.n > 0) this.push();
    return this.bytes.subarray(0, this.length);
  }
}

const REVERSED = Uint8Array.from({ length: 256 }, (_, i) => {
  let r = 0;
  for (let b = 0; b < 8; b++) r |= ((i >> b) & 1) << (7 - b);
  return r;
});

/**
 * A prefix code giving every literal 0..255 an 8-bit code. Its code lengths are themselves coded with a
 * one-symbol code-length code (symbol 8), which costs zero bits per length.
 */
function writeFlat8bitCode(w: BitWriter, alphabetSize: number): void {
  w.write(0, 1); // normal (not simple) code
  w.write(12 - 4, 4); // 12 code-length code lengths: order 17,18,0,1,2,3,4,5,16,6,7,8
  for (let i = 0; i < 12; i++) w.write(i === 11 ? 1 : 0, 3);
  if (alphabetSize === 256) {
    w.write(0, 1); // no max_symbol: read all 256 lengths
  } else {
    w.write(1, 1); // max_symbol: only the first 256 lengths are given, the rest are zero
    w.write(3, 3); // length_nbits = 2 + 2*3 = 8
    w.write(256 - 2, 8);
  }
}

function writeSingleSymbolCode(w: BitWriter, symbol: number): void {
  w.write(1, 1); // simple code
  w.write(0, 1); // one symbol
  if (symbol < 2) {
    w.write(0, 1);
    w.write(symbol, 1);
  } else {
    w.write(1, 1);
    w.write(symbol, 8);
  }
}

export function encodeWebp(img: RgbImage): Uint8Array {
  const { width, height, pixels } = img;
  const w = new BitWriter(pixels.length + 1024); // headers, then 3 bytes a pixel
  w.write(0x2f, 8);
  w.write(width - 1, 14);
  w.write(height - 1, 14);
  w.write(0, 1); // alpha unused
  w.write(0, 3); // version
  w.write(0, 1); // no transforms
  w.write(0, 1); // no color cache
  w.write(0, 1); // no meta prefix codes
  writeFlat8bitCode(w, 256 + 24); // green + length prefixes
  writeFlat8bitCode(w, 256); // red
  writeFlat8bitCode(w, 256); // blue
  writeSingleSymbolCode(w, 255); // alpha: always opaque, zero bits per pixel
  writeSingleSymbolCode(w, 0); // distance: unused
  for (let i = 0; i < pixels.length; i += 3) {
    w.write(REVERSED[pixels[i + 1]!]!, 8);
    w.write(REVERSED[pixels[i]!]!, 8);
    w.write(REVERSED[pixels[i + 2]!]!, 8);
  }
  const vp8l = w.finish();
  const pad = vp8l.length & 1;
  const out = new Uint8Array(20 + vp8l.length + pad);
  const view = new DataView(out.buffer);
  out.set([0x52, 0x49, 0x46, 0x46], 0);
  view.setUint32(4, out.length - 8, true);
  out.set([0x57, 0x45, 0x42, 0x50, 0x56, 0x50, 0x38, 0x4c], 8);
  view.setUint32(16, vp8l.length, true);
  out.set(vp8l, 20);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
