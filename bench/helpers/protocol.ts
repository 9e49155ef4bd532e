/** Messages between bench/server.ts and the processes it forks. */

export type Payload = "small" | "large";

export const PAYLOADS = {
  /** A 1×1 PNG. */
  small: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
} as const;

/** Parent → upstream. */
export type UpstreamMessage = { type: "payload"; payload: Payload };

/** Child → parent. */
export type ChildMessage =
  | { type: "ready"; port: number }
  | { type: "payload-set"; payload: Payload; b64: string }
  | { type: "error"; message: string };
