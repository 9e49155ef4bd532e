import { readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { resolve } from "node:path";
import { z } from "zod";
import { DEFAULT_MAX_RESPONSE_BYTES } from "../../../../src/core/body-limit.js";
import { LOG_LEVELS } from "../../../../src/core/logger.js";
import { MockConfigSchema, VALIDATION_MODES } from "../../../../src/core/schemas.js";

/**
 * The gateway service configuration (`tarash.config.json` plus environment). Every secret may be
 * written as `"env:NAME"` so the file itself holds none; references are resolved at start-up and a
 * missing variable fails with the field's path.
 */

export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(
    message: string,
    /** Dotted path of the offending field, e.g. `routes.fast.retries`. */
    readonly field: string,
  ) {
    super(message);
  }
}

const secret = z.string().min(1);

const ProviderSettingsSchema = z
  .object({
    apiKey: secret.optional(),
    baseUrl: z.url({ protocol: /^https?$/ }).optional(),
    providerConfig: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const RouteTargetShape = {
  /** A model id, alias or `provider/model`. */
  model: z.string().min(1),
  provider: z.string().min(1).optional(),
  /** Retries of retryable errors on this target before falling back. */
  retries: z.number().int().min(0).max(20).optional(),
  timeoutMs: z.number().int().positive().optional(),
  pollIntervalMs: z.number().int().min(0).optional(),
  validation: z.enum(VALIDATION_MODES).optional(),
  providerConfig: z.record(z.string(), z.unknown()).optional(),
  mock: MockConfigSchema.optional(),
};

const RouteTargetSchema = z.object(RouteTargetShape).strict();

const RouteSchema = z
  .object({
    ...RouteTargetShape,
    /** Tried depth-first when the target fails with a retryable error: route names, model ids or targets. */
    fallbacks: z.array(z.union([z.string().min(1), RouteTargetSchema])).optional(),
    description: z.string().optional(),
  })
  .strict();

/** Spend caps in USD per UTC day and UTC month (estimates before the call, provider figures once known). */
const BudgetSchema = z
  .object({ dailyUsd: z.number().positive().optional(), monthlyUsd: z.number().positive().optional() })
  .strict();

const TENANT_ID = /^[A-Za-z0-9._-]+$/;

const ApiKeySchema = z
  .object({
    /** Hex SHA-256 of the key (`printf %s "$KEY" | sha256sum`). Plain keys never go in the file. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/i, "must be 64 hex characters (the SHA-256 of the key)"),
    tenant: z.string().min(1).max(128).regex(/^[A-Za-z0-9._-]+$/, "letters, digits, '.', '_' and '-' only"),
    name: z.string().optional(),
    /** A backend service key: may act for any `customer_id` on POST /image/generate. */
    service: z.boolean().optional(),
    budget: BudgetSchema.optional(),
    /** This key's own requests-per-minute limit (on top of its tenant's). */
    requestsPerMinute: z.number().positive().max(1_000_000).optional(),
  })
  .strict();

/** A key that may call the admin API (/admin/*): tenants and database API keys. Never a tenant's key. */
const AdminKeySchema = z
  .object({
    sha256: z.string().regex(/^[0-9a-f]{64}$/i, "must be 64 hex characters (the SHA-256 of the key)"),
    name: z.string().max(128).optional(),
  })
  .strict();

const JwtSchema = z
  .object({
    secret: secret.optional(),
    jwksUrl: z.url({ protocol: /^https?$/ }).optional(),
    issuer: z.union([z.string(), z.array(z.string())]).optional(),
    audience: z.union([z.string(), z.array(z.string())]).optional(),
    tenantClaim: z.string().min(1).default("sub"),
    /** Asymmetric algorithms accepted from the JWKS. HS256 is the only one used with `secret`. */
    algorithms: z.array(z.enum(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"])).optional(),
    clockToleranceSeconds: z.number().int().min(0).max(600).default(5),
    /** A claim that, when true, marks a service principal (see apiKeys[].service). */
    serviceClaim: z.string().optional(),
  })
  .strict()
  .refine((j) => Boolean(j.secret) !== Boolean(j.jwksUrl), { message: "set exactly one of secret or jwksUrl", path: ["secret"] });

const RateLimitSchema = z
  .object({
    /** Sustained requests per minute per tenant. */
    requestsPerMinute: z.number().positive(),
    /** Bucket size: how many requests may arrive at once. Default: one minute's worth. */
    burst: z.number().int().positive().optional(),
  })
  .strict();

const MiB = 1024 * 1024;

/** An S3-compatible bucket (AWS S3, Ceph radosgw, MinIO, R2, ...); see packages/server/src/server/storage/s3.ts. */
const S3StorageSchema = z
  .object({
    type: z.literal("s3"),
    bucket: z.string().min(3).max(255).regex(/^[A-Za-z0-9._-]+$/, "letters, digits, '.', '_' and '-' only"),
    /** Omit for AWS; e.g. http://127.0.0.1:7480 for radosgw or MinIO. */
    endpoint: z.url({ protocol: /^https?$/ }).optional(),
    /** Endpoint written into presigned URLs when clients reach the store at another address. */
    publicEndpoint: z.url({ protocol: /^https?$/ }).optional(),
    region: z.string().min(1).default("us-east-1"),
    /** Key prefix inside the bucket: `{prefix}/customers/{id}/assets/...`. */
    prefix: z
      .string()
      .default("")
      .refine((p) => p.split("/").filter(Boolean).every((s) => /^[A-Za-z0-9._-]+$/.test(s) && s !== "." && s !== ".."), {
        message: "plain path segments only ([A-Za-z0-9._-] separated by '/')",
      }),
    /** Path-style addressing; default: on when `endpoint` is set. */
    forcePathStyle: z.boolean().optional(),
    /** Static credentials (use "env:NAME"); without them the AWS default credential chain applies. */
    accessKeyId: secret.optional(),
    secretAccessKey: secret.optional(),
    sessionToken: secret.optional(),
    /** Lifetime of the presigned GET URLs handed to clients (SigV4 maximum: 7 days). */
    urlExpiresInSeconds: z.number().int().positive().max(7 * 24 * 3600).default(3600),
    /** Create the bucket on first use when it is missing. */
    createBucket: z.boolean().default(false),
    /** Multipart part size of streamed uploads; memory per upload is about three parts. */
    partSizeBytes: z.number().int().min(5 * MiB).max(512 * MiB).default(8 * MiB),
  })
  .strict()
  .refine((s) => (s.accessKeyId === undefined) === (s.secretAccessKey === undefined), {
    message: "set both accessKeyId and secretAccessKey, or neither (AWS default credential chain)",
    path: ["secretAccessKey"],
  });

export const ServerConfigSchema = z
  .object({
    $schema: z.string().optional(),
    server: z
      .object({
        host: z.string().min(1).default("127.0.0.1"),
        port: z.number().int().min(0).max(65535).default(8787),
        /** Origin used in signed file URLs when the gateway sits behind a proxy, e.g. https://img.example.com */
        publicUrl: z.url({ protocol: /^https?$/ }).optional(),
        shutdownTimeoutMs: z.number().int().min(0).default(30_000),
        /**
         * A request (headers and body) must arrive within this long, else 408 and the connection is closed:
         * a client trickling its body cannot hold a socket forever. Responses (long generations, SSE) are not bounded by it.
         */
        requestTimeoutMs: z.number().int().min(100).max(3_600_000).default(120_000),
      })
      .strict()
      .prefault({}),
    logLevel: z.enum(LOG_LEVELS).default("info"),
    providers: z.record(z.string(), ProviderSettingsSchema).default({}),
    /** Mock mode for every call: generations run offline against the requested model's catalog entry. */
    mock: MockConfigSchema.extend({ enabled: z.boolean().default(false) }).optional(),
    defaultRoutes: z
      .object({ image: z.string().min(1).default("mock/mock-image"), video: z.string().min(1).default("mock/mock-video") })
      .strict()
      .prefault({}),
    routes: z.record(z.string(), RouteSchema).default({}),
    aliases: z.record(z.string(), z.string().min(1)).default({}),
    defaults: z
      .object({
        timeoutMs: z.number().int().positive().optional(),
        maxRetries: z.number().int().min(0).max(20).optional(),
        pollIntervalMs: z.number().int().min(0).optional(),
        validation: z.enum(VALIDATION_MODES).optional(),
      })
      .strict()
      .optional(),
    auth: z
      .object({
        /** `false` turns auth off explicitly (required to run without auth on a non-loopback host). */
        enabled: z.boolean().optional(),
        apiKeys: z.array(ApiKeySchema).default([]),
        /** Keys of the admin API (/admin/tenants, /admin/keys), as SHA-256 hashes like apiKeys. */
        adminKeys: z.array(AdminKeySchema).default([]),
        jwt: JwtSchema.optional(),
        /** Tenant of unauthenticated requests when auth is off. */
        anonymousTenant: z.string().min(1).default("default"),
      })
      .strict()
      .prefault({}),
    storage: z
      .discriminatedUnion("type", [
        z
          .object({
            type: z.literal("local").default("local"),
            dir: z.string().min(1).default("./.tarash/storage"),
            /** HMAC secret for file URLs. Default: TARASH_SIGNING_SECRET, else random per process. */
            signingSecret: secret.optional(),
            urlTtlSeconds: z.number().int().positive().max(7 * 24 * 3600).default(3600),
          })
          .strict(),
        S3StorageSchema,
      ])
      .prefault({}),
    queue: z
      .object({
        /** `memory`: jobs in this process. `redis`: durable jobs shared by API nodes and `tarash worker` processes. */
        type: z.enum(["memory", "redis"]).default("memory"),
        /**
         * memory: keep every job in the database too (default), so a restart (even after kill -9) finishes
         * the jobs it accepted; false keeps jobs in process memory only (they die with the process).
         */
        durable: z.boolean().default(true),
        /** Jobs run at once (per process: the API for memory, each worker for redis). */
        concurrency: z.number().int().positive().max(1000).default(4),
        /** Jobs waiting beyond this are refused with 429. */
        maxQueued: z.number().int().positive().default(1000),
        /** How long finished jobs stay retrievable. */
        retentionSeconds: z.number().int().positive().default(24 * 3600),
        /** memory: finished jobs kept at most; the oldest finished are forgotten first. */
        maxRetainedJobs: z.number().int().positive().default(10_000),
        /** memory: bytes finished job records (result, request summary, events) hold in all; the oldest finished go first. */
        maxRetainedBytes: z.number().int().positive().default(64 * MiB),
        /** memory: request payloads of waiting jobs in all; beyond it a submit is a 429 (queue_full). */
        maxQueuedBytes: z.number().int().positive().default(512 * MiB),
        /** redis: e.g. redis://127.0.0.1:6379 (may be "env:REDIS_URL"). */
        url: z.string().regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL").optional(),
        /** redis: namespace of keys and channels; nodes and workers sharing jobs use the same one. */
        prefix: z.string().regex(/^[A-Za-z0-9._-]+$/, "letters, digits, '.', '_' and '-' only").default("tarash"),
        /** redis: a worker's lock on a running job; a killed worker's job is picked up after about this long. */
        lockDurationMs: z.number().int().min(100).default(30_000),
        /** redis: how often workers check for jobs whose worker went away. */
        stalledIntervalMs: z.number().int().min(100).default(30_000),
        /** redis: a job whose worker went away more often than this fails with a reason instead of running again. */
        maxStalledCount: z.number().int().min(0).max(100).default(1),
        /** redis: how long DELETE waits for the worker running a job to stop it. */
        cancelWaitMs: z.number().int().min(0).default(10_000),
      })
      .strict()
      .refine((q) => q.type !== "redis" || q.url !== undefined, { message: "required when queue.type is redis", path: ["url"] })
      .prefault({}),
    webhooks: z
      .object({
        maxAttempts: z.number().int().min(1).max(20).default(5),
        initialBackoffMs: z.number().int().min(0).default(1_000),
        timeoutMs: z.number().int().positive().default(10_000),
        /** Allow webhook URLs on private/loopback addresses (on-prem receivers, tests). */
        allowPrivateNetwork: z.boolean().default(false),
        allowedHosts: z.array(z.string()).default([]),
        /** HMAC secret for jobs whose webhook has no `secret` of its own. */
        secret: secret.optional(),
      })
      .strict()
      .prefault({}),
    limits: z
      .object({
        maxBodyBytes: z.number().int().positive().default(50 * 1024 * 1024),
        /** JSON bodies nested deeper than this (objects and arrays; the body is level 1) are a 400 before any work. */
        maxJsonDepth: z.number().int().min(4).max(1000).default(32),
        /** A client's fallback chain (`config` on /v1/jobs): fallbacks of fallbacks at most this deep... */
        maxFallbackDepth: z.number().int().min(0).max(100).default(3),
        /** ...and at most this many targets in all, the first one included. */
        maxFallbackTargets: z.number().int().min(1).max(1000).default(10),
        rateLimit: RateLimitSchema.optional(),
        /** Per-tenant overrides of rateLimit. */
        tenants: z.record(z.string(), RateLimitSchema).default({}),
      })
      .strict()
      .prefault({}),
    /**
     * The gateway's own state (usage ledger). Without `url`: embedded PGlite in `dir`; with a
     * postgres:// URL (may be "env:NAME"): that PostgreSQL server. See docs/server.md.
     */
    database: z
      .object({
        url: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL").optional(),
        /** Folder of the embedded database, or "memory://" for one that lives and dies with the process. */
        dir: z.string().min(1).default("./.tarash/db"),
        /** Connections to a PostgreSQL server at most. */
        maxConnections: z.number().int().min(1).max(100).default(10),
      })
      .strict()
      .prefault({}),
    /** The asset library (docs/server.md "Assets"): its sweeper of stored objects that have no row. */
    assets: z
      .object({
        sweeper: z
          .object({
            enabled: z.boolean().default(true),
            /** Between two runs. */
            intervalSeconds: z.number().int().min(10).max(7 * 24 * 3600).default(3600),
            /** Objects younger than this are never removed: keep it above the longest generation. */
            graceSeconds: z.number().int().min(60).default(6 * 3600),
            /** Keys checked per database query. */
            batchSize: z.number().int().min(1).max(1000).default(500),
            /** Objects looked at per run; the next run goes on from there. */
            maxObjectsPerRun: z.number().int().min(1).max(1_000_000).default(10_000),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** Per-tenant settings: `tenants.<id>.budget`. */
    tenants: z
      .record(z.string().max(128).regex(TENANT_ID, "tenant ids are letters, digits, '.', '_' and '-' only"), z.object({ budget: BudgetSchema.optional() }).strict())
      .default({}),
    /** SSRF policy for input URLs the gateway fetches on behalf of callers; the cap on provider responses. */
    network: z
      .object({
        allowPrivateNetwork: z.boolean().default(false),
        allowedHosts: z.array(z.string()).default([]),
        maxResponseBytes: z.number().int().min(1024).default(DEFAULT_MAX_RESPONSE_BYTES),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type ServerConfigInput = z.input<typeof ServerConfigSchema>;
export type ServerConfig = z.output<typeof ServerConfigSchema>;
export type RouteConfig = z.output<typeof RouteSchema>;
export type S3StorageConfig = z.output<typeof S3StorageSchema>;

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || (isIP(host) === 4 && host.startsWith("127."));
}

/** True when requests must carry credentials. */
export function authRequired(config: ServerConfig): boolean {
  if (config.auth.enabled === false) return false;
  // Admin keys mean keys are issued from the database: requests must carry one.
  return config.auth.apiKeys.length > 0 || config.auth.adminKeys.length > 0 || config.auth.jwt !== undefined || config.auth.enabled === true;
}

function resolveEnvRefs(value: unknown, path: string[], env: Record<string, string | undefined>): unknown {
  if (typeof value === "string" && value.startsWith("env:")) {
    const name = value.slice(4);
    const found = Object.hasOwn(env, name) ? env[name] : undefined;
    if (found === undefined || found === "") {
      throw new ConfigError(`Invalid config: ${path.join(".")}: environment variable ${name} is not set`, path.join("."));
    }
    return found;
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveEnvRefs(v, [...path, String(i)], env));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveEnvRefs(v, [...path, k], env)]));
  }
  return value;
}

function checkRoutes(config: ServerConfig): void {
  const visit = (name: string, stack: string[]) => {
    if (stack.includes(name)) {
      throw new ConfigError(`Invalid config: routes.${stack[0]}.fallbacks: cycle ${[...stack, name].join(" → ")}`, `routes.${stack[0]}.fallbacks`);
    }
    const route = Object.hasOwn(config.routes, name) ? config.routes[name] : undefined;
    for (const f of route?.fallbacks ?? []) {
      if (typeof f === "string" && Object.hasOwn(config.routes, f)) visit(f, [...stack, name]);
    }
  };
  for (const name of Object.keys(config.routes)) visit(name, []);
}

/**
 * Validate a raw config object: `env:` references resolved, zod-checked, cross-field rules applied.
 * Throws ConfigError whose message names the field.
 */
export function parseServerConfig(raw: unknown, env: Record<string, string | undefined> = process.env): ServerConfig {
  const resolved = resolveEnvRefs(raw ?? {}, [], env);
  const parsed = ServerConfigSchema.safeParse(resolved);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map(String).join(".") || "(root)";
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : "";
    const detail = issue.code === "unrecognized_keys" ? `unknown field(s) ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}` : issue.message;
    throw new ConfigError(`Invalid config: ${field}: ${detail}${more}`, field);
  }
  const config = parsed.data;
  checkRoutes(config);
  if (!isLoopbackHost(config.server.host) && config.auth.enabled !== false && !authRequired(config)) {
    throw new ConfigError(
      `Invalid config: auth: binding to ${config.server.host} requires auth.apiKeys or auth.jwt (or auth.adminKeys, or auth.enabled: false to run open on purpose)`,
      "auth",
    );
  }
  if (config.auth.enabled === true && config.auth.apiKeys.length === 0 && config.auth.adminKeys.length === 0 && !config.auth.jwt) {
    throw new ConfigError("Invalid config: auth: auth.enabled is true but none of auth.apiKeys, auth.adminKeys and auth.jwt is configured", "auth");
  }
  return config;
}

/** The embedded defaults: mock provider on, local storage, in-process queue, auth off on loopback. */
export function defaultServerConfig(): ServerConfigInput {
  return { mock: { enabled: true } };
}

export interface LoadConfigOptions {
  /** Path of the config file; else `TARASH_CONFIG`; else `./tarash.config.json` when it exists. */
  path?: string | undefined;
  env?: Record<string, string | undefined> | undefined;
  /** Directory where `tarash.config.json` is looked for (default: the working directory). */
  cwd?: string | undefined;
  /** Applied on top of the file (CLI flags). */
  overrides?: { host?: string | undefined; port?: number | undefined } | undefined;
}

async function readJson(path: string, explicit: boolean): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (!explicit && (error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ConfigError(`Cannot read config file ${path}: ${(error as Error).message}`, "(file)");
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`Config file ${path} is not valid JSON: ${(error as Error).message}`, "(file)");
  }
}

/** Load `tarash.config.json` (or the embedded defaults), apply env and overrides, validate. */
export async function loadServerConfig(options: LoadConfigOptions = {}): Promise<ServerConfig> {
  const env = options.env ?? process.env;
  const explicitPath = options.path ?? env.TARASH_CONFIG;
  const path = resolve(options.cwd ?? ".", explicitPath ?? "tarash.config.json");
  const fromFile = await readJson(path, explicitPath !== undefined);
  const raw = (fromFile ?? defaultServerConfig()) as Record<string, unknown>;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`Invalid config: (root): expected an object`, "(root)");
  }
  const server = { ...((raw.server as Record<string, unknown> | undefined) ?? {}) };
  if (env.TARASH_HOST) server.host = env.TARASH_HOST;
  if (env.TARASH_PORT) server.port = Number(env.TARASH_PORT);
  if (options.overrides?.host !== undefined) server.host = options.overrides.host;
  if (options.overrides?.port !== undefined) server.port = options.overrides.port;
  const merged: Record<string, unknown> = { ...raw, server };
  if (env.TARASH_LOG_LEVEL && raw.logLevel === undefined) merged.logLevel = env.TARASH_LOG_LEVEL.toLowerCase();
  return parseServerConfig(merged, env);
}
