import { AsyncLocalStorage } from "node:async_hooks";
import type { OutputStorage } from "../../../../../src/core/gateway-core.js";
import { toDataUrl } from "../../../../../src/core/media/tools.js";
import type { MediaKind } from "../../../../../src/core/types.js";
import { type Storage, assetKey } from "./storage.js";

/** Where the outputs of the generation running in this async context go. */
export interface OutputScope {
  tenant: string;
  /** Return data URLs instead of storing (`save_to_db: false`). */
  inline?: boolean | undefined;
  /** Keys written during the call, by output index. */
  saved: { key: string; kind: MediaKind; mediaType: string; size: number; url: string }[];
}

const scope = new AsyncLocalStorage<OutputScope>();

/** Run a generation with its outputs landing in `target`'s tenant (or inline). */
export function withOutputScope<T>(target: Omit<OutputScope, "saved">, fn: (scope: OutputScope) => Promise<T>): Promise<T> {
  const s: OutputScope = { ...target, saved: [] };
  return scope.run(s, () => fn(s));
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * The library's OutputStorage, bound to the gateway's Storage. The library does not know tenants, so
 * the tenant travels with the async context of the request or job that started the generation.
 */
export function outputStorage(storage: Storage): OutputStorage {
  return {
    async put(object) {
      const current = scope.getStore();
      if (!current) throw new Error("generated media outside a request scope has no tenant");
      if (current.inline) {
        if (object.base64 !== undefined) return { url: `data:${object.mediaType};base64,${object.base64}` };
        const data = object.data instanceof Uint8Array ? object.data : await readAll(object.data);
        return { url: toDataUrl({ data, mediaType: object.mediaType }) };
      }
      const key = assetKey(current.tenant, object.kind, object.mediaType);
      const { size } = await storage.put(key, object.data, { mediaType: object.mediaType });
      const url = await storage.url(key);
      current.saved.push({ key, kind: object.kind, mediaType: object.mediaType, size, url });
      return { url };
    },
  };
}
