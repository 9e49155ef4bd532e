import { z } from "zod";
import { ADMIN_OPERATIONS } from "./admin/openapi.js";
import {
  HealthSchema,
  ImageEditFormSchema,
  ImageGenerationBodySchema,
  ImageVariationFormSchema,
  ImagesResponseSchema,
  JobCreateBodySchema,
  JobSchema,
  LegacyErrorSchema,
  LegacyImageRequestSchema,
  LegacyImageResponseSchema,
  ModelListSchema,
  OpenAIErrorSchema,
  VideoCreateBodySchema,
  VideoDeletedSchema,
  VideoObjectSchema,
  VideoRemixBodySchema,
} from "./schemas.js";
import { AssetListSchema, AssetSchema } from "./assets/schemas.js";

type JsonSchema = Record<string, unknown>;

export interface Operation {
  method: "get" | "post" | "patch" | "delete";
  path: string;
  summary: string;
  tag: string;
  body?: { schema: z.ZodType; type: "application/json" | "multipart/form-data" | "json-or-multipart" };
  ok: { status: number; schema?: z.ZodType; type?: string; description?: string };
  errors?: number[];
  legacy?: boolean;
  params?: { name: string; in: "path" | "query" | "header"; description: string }[];
  public?: boolean;
}

const idParam = (what: string) => [{ name: "id", in: "path" as const, description: `The ${what} id.` }];

export const OPERATIONS: readonly Operation[] = [
  {
    method: "post",
    path: "/image/generate",
    summary: "Generate an image (storage-backend contract).",
    tag: "Storage backend",
    body: { schema: LegacyImageRequestSchema, type: "application/json" },
    ok: { status: 200, schema: LegacyImageResponseSchema },
    errors: [400, 401, 402, 403, 413, 429, 500, 502, 503],
    legacy: true,
  },
  {
    method: "post",
    path: "/v1/images/generations",
    summary: "Create images (OpenAI-compatible).",
    tag: "OpenAI-compatible",
    body: { schema: ImageGenerationBodySchema, type: "application/json" },
    ok: { status: 200, schema: ImagesResponseSchema },
    errors: [400, 401, 402, 413, 429, 500, 502, 503, 504],
  },
  {
    method: "post",
    path: "/v1/images/edits",
    summary: "Edit images with an optional mask (OpenAI-compatible, multipart).",
    tag: "OpenAI-compatible",
    body: { schema: ImageEditFormSchema, type: "multipart/form-data" },
    ok: { status: 200, schema: ImagesResponseSchema },
    errors: [400, 401, 402, 413, 415, 429, 500, 502, 503, 504],
  },
  {
    method: "post",
    path: "/v1/images/variations",
    summary: "Create variations of an image (OpenAI-compatible, multipart).",
    tag: "OpenAI-compatible",
    body: { schema: ImageVariationFormSchema, type: "multipart/form-data" },
    ok: { status: 200, schema: ImagesResponseSchema },
    errors: [400, 401, 402, 413, 415, 429, 500, 502, 503, 504],
  },
  {
    method: "post",
    path: "/v1/videos",
    summary: "Start a video job (OpenAI-videos-compatible).",
    tag: "OpenAI-compatible",
    body: { schema: VideoCreateBodySchema, type: "json-or-multipart" },
    ok: { status: 200, schema: VideoObjectSchema },
    errors: [400, 401, 413, 429, 503],
  },
  {
    method: "get",
    path: "/v1/videos",
    summary: "List the caller's video jobs, newest first.",
    tag: "OpenAI-compatible",
    ok: { status: 200 },
    errors: [400, 401],
    params: [
      { name: "limit", in: "query", description: "1 to 100 (default 20)." },
      { name: "after", in: "query", description: "A video id: the page after it." },
    ],
  },
  {
    method: "get",
    path: "/v1/videos/{id}",
    summary: "Retrieve a video job.",
    tag: "OpenAI-compatible",
    ok: { status: 200, schema: VideoObjectSchema },
    errors: [401, 404],
    params: idParam("video"),
  },
  {
    method: "get",
    path: "/v1/videos/{id}/content",
    summary: "Download the finished video (streamed).",
    tag: "OpenAI-compatible",
    ok: { status: 200, type: "video/mp4", description: "The video bytes." },
    errors: [400, 401, 404, 409],
    params: [...idParam("video"), { name: "variant", in: "query", description: 'Only "video".' }],
  },
  {
    method: "delete",
    path: "/v1/videos/{id}",
    summary: "Delete a video: a job still running is cancelled first; its record and stored video are removed.",
    tag: "OpenAI-compatible",
    ok: { status: 200, schema: VideoDeletedSchema },
    errors: [401, 404, 409, 503],
    params: idParam("video"),
  },
  {
    method: "post",
    path: "/v1/videos/{id}/remix",
    summary: "Remix a completed video: a new job with the original's model, route and settings and a new prompt.",
    tag: "OpenAI-compatible",
    body: { schema: VideoRemixBodySchema, type: "application/json" },
    ok: { status: 200, schema: VideoObjectSchema },
    errors: [400, 401, 404, 409, 413, 429, 503],
    params: idParam("video"),
  },
  {
    method: "post",
    path: "/v1/jobs",
    summary: "Submit an image or video job; optional signed webhook on completion.",
    tag: "Jobs",
    body: { schema: JobCreateBodySchema, type: "application/json" },
    ok: { status: 202, schema: JobSchema },
    errors: [400, 401, 413, 429, 503],
  },
  {
    method: "get",
    path: "/v1/jobs",
    summary: "List the caller's jobs, newest first.",
    tag: "Jobs",
    ok: { status: 200 },
    errors: [400, 401],
    params: [
      { name: "kind", in: "query", description: '"image" or "video".' },
      { name: "limit", in: "query", description: "1 to 100 (default 20)." },
      { name: "after", in: "query", description: "A job id: the page after it." },
    ],
  },
  {
    method: "get",
    path: "/v1/usage",
    summary:
      "The caller's tenant's usage ledger: attempts, units (images, video seconds, tokens) and cost (estimated, provider-reported, spend) in total and grouped. Mock attempts are counted but never in USD sums.",
    tag: "Usage",
    ok: { status: 200, description: "{ object: \"usage\", tenant, from, to, group_by, totals, groups: [{ key, ...totals }], truncated }" },
    errors: [400, 401, 503],
    params: [
      { name: "from", in: "query", description: "ISO 8601 date or date-time with a zone; default: 30 days before `to`." },
      { name: "to", in: "query", description: "ISO 8601 date (that whole day included) or date-time; default: now. At most 366 days after `from`." },
      { name: "group_by", in: "query", description: "day, model, provider, route or key (the API key id: the first 12 hex digits of its SHA-256)." },
    ],
  },
  {
    method: "get",
    path: "/v1/assets",
    summary:
      "The caller's stored outputs (images and videos of every generation and job with storage on), newest first, with fresh signed URLs. A service key sees every tenant's (or one with `tenant`).",
    tag: "Assets",
    ok: { status: 200, schema: AssetListSchema },
    errors: [400, 401, 403, 503],
    params: [
      { name: "kind", in: "query", description: '"image" or "video".' },
      { name: "model", in: "query", description: "A model id (grok-imagine-image) or provider/model (xai/grok-imagine-image)." },
      { name: "from", in: "query", description: "ISO 8601 date or date-time with a zone: created at or after." },
      { name: "to", in: "query", description: "ISO 8601 date (that whole day included) or date-time: created before." },
      { name: "limit", in: "query", description: "1 to 100 (default 20)." },
      { name: "cursor", in: "query", description: "`next_cursor` of the previous page, as is." },
      { name: "tenant", in: "query", description: "Service keys only: one tenant's assets." },
    ],
  },
  { method: "get", path: "/v1/assets/{id}", summary: "Read an asset (404 for another tenant's).", tag: "Assets", ok: { status: 200, schema: AssetSchema }, errors: [401, 404, 503], params: idParam("asset") },
  {
    method: "delete",
    path: "/v1/assets/{id}",
    summary: "Delete an asset: its stored object is removed, then its row. Repeating a delete that failed half way finishes it.",
    tag: "Assets",
    ok: { status: 204, description: "Deleted." },
    errors: [401, 404, 502, 503],
    params: idParam("asset"),
  },
  { method: "get", path: "/v1/jobs/{id}", summary: "Read a job.", tag: "Jobs", ok: { status: 200, schema: JobSchema }, errors: [401, 404], params: idParam("job") },
  {
    method: "get",
    path: "/v1/jobs/{id}/events",
    summary: "Server-Sent Events: queued, started, progress…, then completed / failed / cancelled. Past events are replayed.",
    tag: "Jobs",
    ok: { status: 200, type: "text/event-stream", description: "An SSE stream; `id` is the event sequence number (send Last-Event-ID to resume)." },
    errors: [401, 404],
    params: [...idParam("job"), { name: "Last-Event-ID", in: "header", description: "Resume after this event." }],
  },
  { method: "delete", path: "/v1/jobs/{id}", summary: "Cancel a job (the provider job is cancelled too).", tag: "Jobs", ok: { status: 200, schema: JobSchema }, errors: [401, 404], params: idParam("job") },
  {
    method: "get",
    path: "/v1/models",
    summary: "The model catalog: capabilities, prices, and configured routes.",
    tag: "Catalog",
    ok: { status: 200, schema: ModelListSchema },
    errors: [400, 401],
    params: [
      { name: "kind", in: "query", description: '"image" or "video".' },
      { name: "provider", in: "query", description: "A provider id, e.g. openai." },
    ],
  },
  { method: "get", path: "/healthz", summary: "Health of the gateway and its dependencies (storage, queue).", tag: "Operations", ok: { status: 200, schema: HealthSchema }, public: true },
  { method: "get", path: "/livez", summary: "Liveness: the process answers (no dependency checks).", tag: "Operations", ok: { status: 200, type: "application/json", description: "`{status: \"alive\", uptimeSeconds}`." }, public: true },
  { method: "get", path: "/metrics", summary: "Prometheus metrics.", tag: "Operations", ok: { status: 200, type: "text/plain", description: "Prometheus text format 0.0.4." }, public: true },
  {
    method: "get",
    path: "/files/{key}",
    summary: "A stored file, via a signed expiring URL (or the owner's credentials).",
    tag: "Storage",
    ok: { status: 200, type: "application/octet-stream", description: "The file." },
    errors: [403, 404],
    params: [
      { name: "key", in: "path", description: "customers/{tenant}/assets/{image|video}/{uuid}.{ext}" },
      { name: "expires", in: "query", description: "Unix seconds." },
      { name: "sig", in: "query", description: "HMAC-SHA256 signature." },
    ],
    public: true,
  },
  {
    method: "post",
    path: "/mcp",
    summary: "Model Context Protocol over streamable HTTP (stateless): JSON-RPC messages for the MCP tools (generate_image, generate_video, ...).",
    tag: "Agents",
    body: { schema: z.record(z.string(), z.unknown()), type: "application/json" },
    ok: { status: 200, type: "text/event-stream", description: "The JSON-RPC response (and progress notifications) as an SSE stream, or application/json." },
    errors: [401, 413, 429],
  },
  { method: "get", path: "/mcp", summary: "Stateless MCP: no standalone stream; answers 405 with Allow: POST.", tag: "Agents", ok: { status: 405, description: "Method not allowed." }, errors: [401] },
  { method: "delete", path: "/mcp", summary: "Stateless MCP: no session to end; answers 405 with Allow: POST.", tag: "Agents", ok: { status: 405, description: "Method not allowed." }, errors: [401] },
  { method: "get", path: "/openapi.json", summary: "This document.", tag: "Operations", ok: { status: 200 }, public: true },
  { method: "get", path: "/docs", summary: "API reference page.", tag: "Operations", ok: { status: 200, type: "text/html" }, public: true },
  ...ADMIN_OPERATIONS,
];

const STATUS_TEXT: Record<number, string> = {
  400: "Invalid request (the `param` / `field` names the offending field).",
  401: "Missing or invalid credentials.",
  402: "Budget exceeded (`budget_exceeded`: the message names the budget, the spend so far and the estimate).",
  403: "Forbidden.",
  404: "Not found (including resources of another tenant).",
  409: "Not ready, or a conflict (an existing tenant, a revoked key).",
  413: "Request body too large.",
  415: "Unsupported content type.",
  429: "Rate limited; see Retry-After.",
  500: "Unexpected error (no internals are returned).",
  502: "Provider or storage failure.",
  503: "Shutting down, or the queue or database unavailable; see Retry-After.",
  504: "Provider timeout.",
};

/** The OpenAPI 3.1 document, generated from the zod schemas that validate requests. */
export function buildOpenApi(info: { version: string; serverUrl?: string | undefined }): Record<string, unknown> {
  const components: Record<string, JsonSchema> = {};
  const ref = (schema: z.ZodType, io: "input" | "output"): JsonSchema => {
    const json = z.toJSONSchema(schema, { unrepresentable: "any", io, target: "draft-2020-12" }) as JsonSchema;
    delete json.$schema;
    const id = (z.globalRegistry.get(schema) as { id?: string } | undefined)?.id;
    if (!id) return json;
    const defs = (json.$defs as Record<string, JsonSchema> | undefined) ?? {};
    delete json.$defs;
    delete json.id;
    // A root with an id comes back as a $ref to its own entry in $defs.
    const body = typeof json.$ref === "string" && json.$ref === `#/$defs/${id}` && defs[id] ? defs[id] : json;
    for (const [k, v] of Object.entries(defs)) if (k !== id) components[k] ??= v;
    components[id] = body;
    return { $ref: `#/components/schemas/${id}` };
  };
  const rewriteDefs = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewriteDefs);
    if (value && typeof value === "object") {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, k === "$ref" && typeof v === "string" ? v.replace("#/$defs/", "#/components/schemas/") : rewriteDefs(v)]),
      );
    }
    return value;
  };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const responses: Record<string, unknown> = {};
    const okContent = op.ok.schema
      ? { "application/json": { schema: ref(op.ok.schema, "output") } }
      : op.ok.type
        ? { [op.ok.type]: { schema: op.ok.type.startsWith("text/") ? { type: "string" } : { type: "string", format: "binary" } } }
        : { "application/json": { schema: { type: "object" } } };
    // A 204 has no body to describe.
    responses[String(op.ok.status)] = op.ok.status === 204 ? { description: op.ok.description ?? "No content" } : { description: op.ok.description ?? "OK", content: okContent };
    const errorSchema = ref(op.legacy ? LegacyErrorSchema : OpenAIErrorSchema, "output");
    for (const status of op.errors ?? []) {
      responses[String(status)] = { description: STATUS_TEXT[status] ?? "Error", content: { "application/json": { schema: errorSchema } } };
    }
    const operation: Record<string, unknown> = {
      summary: op.summary,
      tags: [op.tag],
      operationId: `${op.method}${op.path.replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ? ch.toUpperCase() : ""))}`,
      responses,
    };
    if (op.params) {
      operation.parameters = op.params.map((p) => ({ name: p.name, in: p.in, required: p.in === "path", description: p.description, schema: { type: "string" } }));
    }
    if (op.body) {
      const schema = ref(op.body.schema, "input");
      const content =
        op.body.type === "json-or-multipart"
          ? { "application/json": { schema }, "multipart/form-data": { schema } }
          : { [op.body.type]: { schema } };
      operation.requestBody = { required: true, content };
    }
    if (op.public) operation.security = [];
    (paths[op.path] ??= {})[op.method] = operation;
  }
  return rewriteDefs({
    openapi: "3.1.0",
    info: {
      title: "Tarash Gateway",
      version: info.version,
      description: "One API for AI image and video generation across providers. OpenAI-compatible endpoints, native async jobs, and the storage-backend contract.",
    },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", description: "An API key or a JWT." },
        apiKeyHeader: { type: "apiKey", in: "header", name: "x-api-key" },
      },
    },
  }) as Record<string, unknown>;
}
