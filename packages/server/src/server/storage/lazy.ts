import type { Storage, StoredObject } from "./storage.js";

/**
 * A storage backend whose module loads on first use. The S3 backend brings the AWS SDK (tens of
 * modules, and on Node < 22 the SDK's support notice on stderr when a client is built): a gateway on
 * local storage never loads it, and one on S3 loads it once, shared by every call.
 */
export class LazyStorage implements Storage {
  private loading: Promise<Storage> | undefined;

  constructor(
    readonly kind: string,
    private readonly load: () => Promise<Storage>,
  ) {}

  private backend(): Promise<Storage> {
    // A failed load (a broken install) is retried by the next call rather than cached forever.
    this.loading ??= this.load().catch((error: unknown) => {
      this.loading = undefined;
      throw error;
    });
    return this.loading;
  }

  async put(key: string, body: Uint8Array | ReadableStream<Uint8Array>, meta: { mediaType: string }): Promise<{ key: string; size: number }> {
    return (await this.backend()).put(key, body, meta);
  }

  async get(key: string): Promise<StoredObject | undefined> {
    return (await this.backend()).get(key);
  }

  async url(key: string, options?: { expiresInSeconds?: number | undefined }): Promise<string> {
    return (await this.backend()).url(key, options);
  }

  async delete(key: string): Promise<void> {
    return (await this.backend()).delete(key);
  }

  async health(): Promise<{ ok: boolean; detail?: string | undefined }> {
    return (await this.backend()).health();
  }
}
