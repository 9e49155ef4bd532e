import type { Operation } from "../openapi.js";
import {
  CreatedKeySchema,
  KeyCreateSchema,
  KeyListSchema,
  KeyPatchSchema,
  KeyRotateSchema,
  KeySchema,
  RotatedKeySchema,
  TenantCreateSchema,
  TenantListSchema,
  TenantPatchSchema,
  TenantSchema,
} from "./schemas.js";

const TAG = "Admin";
const ADMIN_ERRORS = [400, 401, 403, 503];
const keyId = [{ name: "id", in: "path" as const, description: "The key id (12 hex digits, as listed), never the key." }];
const tenantId = [{ name: "id", in: "path" as const, description: "The tenant id." }];
const page = [
  { name: "limit", in: "query" as const, description: "1 to 1000 (default 100)." },
  { name: "after", in: "query" as const, description: "The `last_id` of the previous page." },
];

/** The admin API (an admin key from `auth.adminKeys` as the bearer token). */
export const ADMIN_OPERATIONS: readonly Operation[] = [
  { method: "post", path: "/admin/tenants", summary: "Create a tenant with its budget and rate limit (they win over the config file's).", tag: TAG, body: { schema: TenantCreateSchema, type: "application/json" }, ok: { status: 201, schema: TenantSchema }, errors: [...ADMIN_ERRORS, 409] },
  { method: "get", path: "/admin/tenants", summary: "List the database's tenants.", tag: TAG, ok: { status: 200, schema: TenantListSchema }, errors: ADMIN_ERRORS, params: page },
  { method: "get", path: "/admin/tenants/{id}", summary: "Read a tenant.", tag: TAG, ok: { status: 200, schema: TenantSchema }, errors: [...ADMIN_ERRORS, 404], params: tenantId },
  { method: "patch", path: "/admin/tenants/{id}", summary: "Change a tenant's name, budget or rate limit (`null` removes one). Effective at once on this node.", tag: TAG, body: { schema: TenantPatchSchema, type: "application/json" }, ok: { status: 200, schema: TenantSchema }, errors: [...ADMIN_ERRORS, 404], params: tenantId },
  { method: "post", path: "/admin/keys", summary: "Issue an API key for a tenant (created when missing). The key is in this response only; the gateway stores its SHA-256.", tag: TAG, body: { schema: KeyCreateSchema, type: "application/json" }, ok: { status: 201, schema: CreatedKeySchema }, errors: ADMIN_ERRORS },
  {
    method: "get",
    path: "/admin/keys",
    summary: "List API keys (never the keys themselves).",
    tag: TAG,
    ok: { status: 200, schema: KeyListSchema },
    errors: ADMIN_ERRORS,
    params: [{ name: "tenant", in: "query", description: "Only this tenant's keys." }, { name: "include_revoked", in: "query", description: "true to list revoked keys too." }, ...page],
  },
  { method: "get", path: "/admin/keys/{id}", summary: "Read an API key's settings and status.", tag: TAG, ok: { status: 200, schema: KeySchema }, errors: [...ADMIN_ERRORS, 404], params: keyId },
  { method: "patch", path: "/admin/keys/{id}", summary: "Change a key's name, budget or rate limit (`null` removes one).", tag: TAG, body: { schema: KeyPatchSchema, type: "application/json" }, ok: { status: 200, schema: KeySchema }, errors: [...ADMIN_ERRORS, 404], params: keyId },
  { method: "post", path: "/admin/keys/{id}/revoke", summary: "Revoke a key: refused at once on this node, on other nodes within 10 s.", tag: TAG, ok: { status: 200, schema: KeySchema }, errors: [...ADMIN_ERRORS, 404], params: keyId },
  { method: "post", path: "/admin/keys/{id}/rotate", summary: "A new key with the same tenant and settings; the old one is revoked now or after `grace_seconds`.", tag: TAG, body: { schema: KeyRotateSchema, type: "application/json" }, ok: { status: 201, schema: RotatedKeySchema }, errors: [...ADMIN_ERRORS, 404, 409], params: keyId },
  {
    method: "get",
    path: "/admin/usage",
    summary: "The usage ledger across tenants (as GET /v1/usage, with `tenant` to pick one and `group_by=tenant`).",
    tag: TAG,
    ok: { status: 200, description: "{ object: \"usage\", tenant, from, to, group_by, totals, groups: [{ key, ...totals }], truncated }" },
    errors: ADMIN_ERRORS,
    params: [
      { name: "tenant", in: "query", description: "One tenant; default: every tenant." },
      { name: "from", in: "query", description: "As for /v1/usage." },
      { name: "to", in: "query", description: "As for /v1/usage." },
      { name: "group_by", in: "query", description: "day, model, provider, route, key or tenant." },
    ],
  },
];
