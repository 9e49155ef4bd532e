import { type ApiError, badRequest } from "./errors.js";

/**
 * Limits on the shape of what a client sends, checked before any work. Schema parsing, structuredClone
 * and JSON.stringify all recurse, so a body nested a few thousand levels deep would overflow the stack
 * somewhere after a provider was already paid; these checks run on the parsed body first and are
 * themselves iterative.
 */

interface Frame {
  value: object;
  depth: number;
  key: string;
  parent: Frame | undefined;
}

/** Where a too-deep value sits: its first keys (each cut short), enough to find it without echoing it all. */
function keysOf(frame: Frame): string[] {
  const keys: string[] = [];
  for (let f: Frame | undefined = frame; f?.parent; f = f.parent) keys.push(f.key.length > 40 ? `${f.key.slice(0, 40)}…` : f.key);
  return keys.reverse();
}

/**
 * A 400 when `value` nests objects or arrays deeper than `maxDepth` levels (the body itself is level 1),
 * naming the first field that is too deep and the limit. Iterative: a hostile depth costs a loop, not the stack.
 */
export function checkJsonDepth(value: unknown, maxDepth: number, setting = "limits.maxJsonDepth"): ApiError | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const stack: Frame[] = [{ value, depth: 1, key: "", parent: undefined }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (frame.depth > maxDepth) {
      const keys = keysOf(frame);
      const field = keys.slice(0, 3).join(".");
      const where = keys.length > 3 ? `${field}.…` : field;
      return badRequest(`${where || "the body"}: JSON nested more than ${maxDepth} levels deep (${setting})`, field || undefined, "too_deep");
    }
    for (const [key, child] of Object.entries(frame.value)) {
      if (child !== null && typeof child === "object") stack.push({ value: child as object, depth: frame.depth + 1, key, parent: frame });
    }
  }
  return undefined;
}

interface Chain {
  fallbacks?: readonly Chain[] | undefined;
}

/**
 * A 400 when a client's fallback chain is deeper (fallbacks of fallbacks) or longer (targets in all)
 * than the configured limits; every target may cost a provider call, so the chain is bounded too.
 */
export function checkFallbackChain(config: Chain, limits: { maxFallbackDepth: number; maxFallbackTargets: number }, path: string): ApiError | undefined {
  let targets = 0;
  const stack: { chain: Chain; depth: number; at: string }[] = [{ chain: config, depth: 0, at: path }];
  while (stack.length > 0) {
    const { chain, depth, at } = stack.pop()!;
    targets += 1;
    if (depth > limits.maxFallbackDepth) {
      return badRequest(`${at}: fallbacks nested ${depth} levels deep; the limit is ${limits.maxFallbackDepth} (limits.maxFallbackDepth)`, at, "fallbacks_too_deep");
    }
    if (targets > limits.maxFallbackTargets) {
      return badRequest(
        `${path}.fallbacks: the chain has more than ${limits.maxFallbackTargets} targets in all; the limit is ${limits.maxFallbackTargets} (limits.maxFallbackTargets)`,
        `${path}.fallbacks`,
        "too_many_fallbacks",
      );
    }
    (chain.fallbacks ?? []).forEach((f, i) => stack.push({ chain: f, depth: depth + 1, at: `${at}.fallbacks.${i}` }));
  }
  return undefined;
}
