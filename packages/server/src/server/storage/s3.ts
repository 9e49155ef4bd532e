import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { registerSecret } from "../../../../../src/core/redact.js";
import type { S3StorageConfig } from "../config.js";
import { StorageBackendError, isUnreachableCode } from "./errors.js";
import { type ListedObject, type Storage, type StoredObject, mediaTypeOfKey } from "./storage.js";

export interface S3StorageOptions {
  bucket: string;
  /** S3-compatible endpoint (radosgw, MinIO, R2, ...); omitted for AWS itself. */
  endpoint?: string | undefined;
  /** Endpoint written into presigned URLs when clients reach the store at another address than the gateway. */
  publicEndpoint?: string | undefined;
  region?: string | undefined;
  /** Key prefix inside the bucket, e.g. `tarash` → `tarash/customers/...`. */
  prefix?: string | undefined;
  /** Path-style URLs (`endpoint/bucket/key`). Default: on when `endpoint` is set, since most self-hosted stores need it. */
  forcePathStyle?: boolean | undefined;
  /** Static credentials; without them the AWS default chain (env, shared config, instance role) is used. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined } | undefined;
  /** Lifetime of presigned GET URLs (SigV4 allows at most 7 days). */
  urlExpiresInSeconds?: number | undefined;
  /** Create the bucket on first use when it does not exist. */
  createBucket?: boolean | undefined;
  /** Multipart part size for streamed uploads (S3's minimum is 5 MiB). */
  partSizeBytes?: number | undefined;
  /** Timeout of the HeadBucket behind health(). */
  healthTimeoutMs?: number | undefined;
}

const MiB = 1024 * 1024;
const MIN_PART_SIZE = 5 * MiB;
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
/** Parts in flight at once: a streamed upload holds at most about (QUEUE_SIZE + 1) parts in memory. */
const QUEUE_SIZE = 2;

/**
 * A storage operation that S3 refused (it answered: `status` is set) or that could not reach it
 * (`unreachable`). A StorageError for the library and for jobs; the message carries no credentials.
 */
export class S3StorageError extends StorageBackendError {
  constructor(
    message: string,
    /** HTTP status from S3, when it answered. */
    readonly status?: number | undefined,
    /** S3 error code (`AccessDenied`, `SignatureDoesNotMatch`, ...) or network error code. */
    code?: string | undefined,
  ) {
    super(message, "s3", noAnswer(status, code), { code });
  }
}

/** No HTTP status and a network failure code: S3 never answered. */
function noAnswer(status: number | undefined, code: string | undefined): boolean {
  return status === undefined && (isUnreachableCode(code) || /^E[A-Z]+$/.test(code ?? ""));
}

function classify(error: unknown): { status?: number | undefined; code: string } {
  if (error instanceof S3ServiceException) return { status: error.$metadata.httpStatusCode, code: error.name };
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return { status: e?.$metadata?.httpStatusCode, code: e?.code ?? e?.name ?? "Error" };
}

/**
 * A fresh error instead of the SDK's: its message and fields stay clean of request details, so logging
 * it (the generator logs storage failures) shows what failed and nothing else.
 */
function wrap(operation: string, error: unknown, bucket?: string): S3StorageError {
  const { status, code } = classify(error);
  const where = bucket === undefined ? "" : ` (bucket ${bucket})`;
  const unreachable = noAnswer(status, code) ? " (the store is unreachable)" : "";
  return new S3StorageError(`S3 ${operation} failed${where}: ${code}${status ? ` (HTTP ${status})` : ""}${unreachable}`, status, code);
}

function isNotFound(error: unknown): boolean {
  const { status, code } = classify(error);
  return status === 404 || code === "NoSuchKey" || code === "NotFound";
}

/** Object keys are the gateway's asset keys: plain path segments, nothing a URL or proxy could reinterpret. */
function validKey(key: string): boolean {
  return /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(key) && !key.split("/").some((s) => s === "." || s === "..");
}

function normalizePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? "").replace(/^\/+|\/+$/g, "");
  if (trimmed && !validKey(trimmed)) throw new Error("storage.prefix must be plain path segments ([A-Za-z0-9._-] separated by '/')");
  return trimmed ? `${trimmed}/` : "";
}

/**
 * An S3-compatible bucket. Streams go up as a multipart upload part by part (never whole in memory) and
 * come back as the response stream; `url()` hands out a presigned GET URL, so clients download straight
 * from the store and the link expires on its own.
 */
export class S3Storage implements Storage {
  readonly kind = "s3";
  private readonly client: S3Client;
  private readonly presigner: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly expiresIn: number;
  private readonly partSize: number;
  private readonly healthTimeoutMs: number;
  private bucketReady: Promise<void> | undefined;

  constructor(private readonly options: S3StorageOptions) {
    registerSecret(options.credentials?.secretAccessKey);
    registerSecret(options.credentials?.sessionToken);
    this.bucket = options.bucket;
    this.prefix = normalizePrefix(options.prefix);
    this.expiresIn = Math.min(Math.max(1, Math.floor(options.urlExpiresInSeconds ?? 3600)), MAX_PRESIGN_SECONDS);
    this.partSize = Math.max(MIN_PART_SIZE, options.partSizeBytes ?? 8 * MiB);
    this.healthTimeoutMs = options.healthTimeoutMs ?? 5_000;
    const base: S3ClientConfig = {
      region: options.region ?? "us-east-1",
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // Checksums only where S3 requires them: many S3-compatible stores reject the newer trailing
      // checksums (aws-chunked uploads) that the SDK would otherwise add to every request.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      // A dead store must not hang requests or health checks; requestTimeout is socket inactivity.
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
    };
    this.client = new S3Client({ ...base, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
    // The signature covers the host, so URLs for another address need a client configured with it.
    this.presigner = options.publicEndpoint === undefined ? this.client : new S3Client({ ...base, endpoint: options.publicEndpoint });
  }

  /** From the validated `storage` section of the gateway config (`type: "s3"`). */
  static fromConfig(config: S3StorageConfig): S3Storage {
    return new S3Storage({
      bucket: config.bucket,
      endpoint: config.endpoint,
      publicEndpoint: config.publicEndpoint,
      region: config.region,
      prefix: config.prefix,
      forcePathStyle: config.forcePathStyle,
      credentials:
        config.accessKeyId !== undefined && config.secretAccessKey !== undefined
          ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey, sessionToken: config.sessionToken }
          : undefined,
      urlExpiresInSeconds: config.urlExpiresInSeconds,
      createBucket: config.createBucket,
      partSizeBytes: config.partSizeBytes,
    });
  }

  private objectKey(key: string): string {
    if (!validKey(key)) throw new S3StorageError("invalid storage key", undefined, "InvalidKey");
    return this.prefix + key;
  }

  /** With `createBucket`, make sure the bucket exists once (retried after a failure). */
  private ensureBucket(abortSignal?: AbortSignal): Promise<void> {
    if (!this.options.createBucket) return Promise.resolve();
    this.bucketReady ??= (async () => {
      try {
        await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal });
        return;
      } catch (error) {
        if (!isNotFound(error)) throw wrap("HeadBucket", error);
      }
      try {
        await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }), { abortSignal });
      } catch (error) {
        const { code } = classify(error);
        if (code !== "BucketAlreadyOwnedByYou" && code !== "BucketAlreadyExists") throw wrap("CreateBucket", error);
      }
    })().catch((error: unknown) => {
      this.bucketReady = undefined;
      throw error;
    });
    return this.bucketReady;
  }

  async put(key: string, body: Uint8Array | ReadableStream<Uint8Array>, meta: { mediaType: string }): Promise<{ key: string; size: number }> {
    const Key = this.objectKey(key);
    await this.ensureBucket();
    let size = 0;
    let source: ReadableStreamDefaultReader<Uint8Array> | undefined;
    let sourceFailed: { error: unknown } | undefined;
    let Body: Uint8Array | ReadableStream<Uint8Array>;
    if (body instanceof Uint8Array) {
      size = body.byteLength;
      Body = body;
    } else {
      const reader = body.getReader();
      source = reader;
      // Pulled only when lib-storage asks for more (highWaterMark 0), so the producer is never ahead.
      Body = new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            let next: ReadableStreamReadResult<Uint8Array>;
            try {
              next = await reader.read();
            } catch (error) {
              sourceFailed = { error };
              throw error;
            }
            if (next.done) controller.close();
            else {
              size += next.value.byteLength;
              controller.enqueue(next.value);
            }
          },
          cancel: (reason) => reader.cancel(reason),
        },
        { highWaterMark: 0 },
      );
    }
    // lib-storage cuts the stream into parts as it arrives: one PutObject when it fits in a part,
    // else a multipart upload with QUEUE_SIZE parts in flight, aborted (parts dropped) on failure.
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key, Body, ContentType: meta.mediaType },
      partSize: this.partSize,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      // A failing source (download cap, aborted provider fetch) is the caller's error, not S3's.
      if (sourceFailed) throw sourceFailed.error;
      await source?.cancel().catch(() => undefined);
      throw wrap("upload", error, this.bucket);
    }
    return { key, size };
  }

  async get(key: string): Promise<StoredObject | undefined> {
    if (!validKey(key)) return undefined;
    let response;
    try {
      response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw wrap("GetObject", error, this.bucket);
    }
    if (!response.Body) return undefined;
    return {
      body: response.Body.transformToWebStream() as ReadableStream<Uint8Array>,
      size: response.ContentLength ?? 0,
      mediaType: response.ContentType || mediaTypeOfKey(key),
    };
  }

  async url(key: string, options: { expiresInSeconds?: number | undefined } = {}): Promise<string> {
    const expiresIn = Math.min(Math.max(1, Math.floor(options.expiresInSeconds ?? this.expiresIn)), MAX_PRESIGN_SECONDS);
    try {
      return await getSignedUrl(this.presigner, new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }), { expiresIn });
    } catch (error) {
      if (error instanceof S3StorageError) throw error;
      throw wrap("presign", error);
    }
  }

  async delete(key: string): Promise<void> {
    const Key = this.objectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (error) {
      if (isNotFound(error)) return;
      throw wrap("DeleteObject", error, this.bucket);
    }
  }

  /** Objects under `prefix` (inside the configured prefix), one ListObjectsV2 page (up to 1000) at a time. */
  async *list(prefix: string): AsyncIterable<ListedObject> {
    const Prefix = this.prefix + prefix;
    let ContinuationToken: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix, ContinuationToken, MaxKeys: 1000 }));
      } catch (error) {
        if (isNotFound(error)) return;
        throw wrap("ListObjectsV2", error, this.bucket);
      }
      for (const object of page.Contents ?? []) {
        if (!object.Key?.startsWith(this.prefix)) continue;
        yield { key: object.Key.slice(this.prefix.length), size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  async health(): Promise<{ ok: boolean; detail?: string | undefined }> {
    const abortSignal = AbortSignal.timeout(this.healthTimeoutMs);
    try {
      await this.ensureBucket(abortSignal);
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal });
      return { ok: true };
    } catch (error) {
      const wrapped = error instanceof S3StorageError ? error : wrap("HeadBucket", error);
      return { ok: false, detail: `bucket ${this.bucket}: ${wrapped.message}` };
    }
  }

  /** Release the HTTP connection pools. */
  destroy(): void {
    this.client.destroy();
    if (this.presigner !== this.client) this.presigner.destroy();
  }
}
