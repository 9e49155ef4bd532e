import { fetchTransport } from "./fetch.js";
import type { Transport, TransportRequest, TransportResponse } from "./types.js";

export type { HeadersLike, Transport, TransportBody, TransportRequest, TransportResponse } from "./types.js";
export { fetchTransport } from "./fetch.js";

/** Node (not Bun or Deno, which emulate `process` but run their own fetch). */
function onNode(): boolean {
  const g = globalThis as { process?: { versions?: Record<string, string | undefined> }; Deno?: unknown; Bun?: unknown };
  return typeof g.process?.versions?.node === "string" && g.Deno === undefined && g.Bun === undefined && g.process.versions.bun === undefined;
}

let platform: (Transport & { preload(): void }) | undefined;

/**
 * The transport for provider HTTP when no fetch was injected: undici's dispatcher on Node, else the
 * platform's fetch. undici is loaded by a dynamic import on the first request (or `preload()`), so
 * importing the library never loads it, and a runtime where the import fails uses fetch.
 */
export function platformTransport(): Transport & { preload(): void } {
  if (platform) return platform;
  if (!onNode()) return (platform = { ...fetchTransport((input, init) => globalThis.fetch(input, init)), preload: () => undefined });
  let chosen: Transport | undefined;
  let loading: Promise<Transport> | undefined;
  const load = () =>
    (loading ??= import("./undici.js").then(
      (m) => (chosen = m.undiciTransport()),
      () => (chosen = fetchTransport((input, init) => globalThis.fetch(input, init))),
    ));
  platform = {
    preload: () => void load(),
    get kind() {
      return chosen?.kind ?? "undici";
    },
    send(request: TransportRequest): Promise<TransportResponse> {
      return chosen ? chosen.send(request) : load().then((t) => t.send(request));
    },
  };
  return platform;
}

/** The transport a gateway uses: the injected fetch when there is one (same behaviour, the caller's client), else the platform's. */
export function chooseTransport(fetchFn: typeof fetch | undefined): Transport {
  return fetchFn ? fetchTransport(fetchFn) : platformTransport();
}

/**
 * Start loading the platform transport without waiting for it, so a gateway's first request does not
 * pay for loading undici (~100 ms, several times that on a loaded machine). A gateway with a fetch of
 * its own never loads it.
 */
export function preloadTransport(fetchFn: typeof fetch | undefined): void {
  if (!fetchFn) platformTransport().preload();
}
