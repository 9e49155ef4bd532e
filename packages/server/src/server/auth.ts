import { createHash, timingSafeEqual } from "node:crypto";
import { type JWTPayload, type JWTVerifyGetKey, createRemoteJWKSet, errors as joseErrors, jwtVerify } from "jose";
import { registerSecret } from "../../../../src/core/redact.js";
import { type ServerConfig, authRequired } from "./config.js";
import { ApiError } from "./errors.js";
import { isValidTenant } from "./storage/storage.js";

/** Who is calling: every request has one, and everything it creates belongs to `tenant`. */
export interface Principal {
  tenant: string;
  /** A backend service principal (may act for any customer on the storage-backend endpoint). */
  service: boolean;
  via: "api_key" | "jwt" | "anonymous";
  /** For an API key: the first 12 hex digits of its SHA-256 (never the key), as the usage ledger names it. */
  keyId?: string | undefined;
  /** The key's own requests-per-minute limit (config `auth.apiKeys[].requestsPerMinute` or the database's). */
  keyRequestsPerMinute?: number | undefined;
}

/** Who called the admin API: one of `auth.adminKeys`, by its name (or hash prefix), never the key. */
export interface AdminPrincipal {
  name: string;
}

export interface Authenticator {
  readonly required: boolean;
  authenticate(headers: Headers): Promise<Principal>;
  /** An admin key, or 401 (no or unknown credentials) / 403 (a tenant's credentials, or no admin keys configured). */
  authenticateAdmin(headers: Headers): Promise<AdminPrincipal>;
}

/** Where keys issued through the admin API are looked up (by the SHA-256 of what a client presents). */
export interface KeyLookup {
  authenticate(sha256: string): Promise<{ id: string; tenant: string; service: boolean; requestsPerMinute: number | undefined } | undefined>;
}

const unauthorized = (message: string) =>
  new ApiError(401, message, { code: "invalid_api_key", headers: { "WWW-Authenticate": 'Bearer realm="tarash"' } });

const forbidden = (message: string, code: string) => new ApiError(403, message, { code });

function presented(headers: Headers): string | undefined {
  const auth = headers.get("authorization");
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  return headers.get("x-api-key")?.trim() || undefined;
}

const looksLikeJwt = (token: string) => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(token);

export function createAuthenticator(config: ServerConfig, database?: KeyLookup): Authenticator {
  const required = authRequired(config);
  const anonymous: Principal = { tenant: config.auth.anonymousTenant, service: true, via: "anonymous" };
  const keys = config.auth.apiKeys.map((k) => ({
    hash: Buffer.from(k.sha256.toLowerCase(), "hex"),
    id: k.sha256.toLowerCase().slice(0, 12),
    tenant: k.tenant,
    service: k.service === true,
    requestsPerMinute: k.requestsPerMinute,
  }));
  const adminKeys = config.auth.adminKeys.map((k) => ({ hash: Buffer.from(k.sha256.toLowerCase(), "hex"), name: k.name ?? `admin key ${k.sha256.toLowerCase().slice(0, 12)}` }));
  const jwt = config.auth.jwt;
  if (jwt?.secret) registerSecret(jwt.secret);
  let getKey: Uint8Array | JWTVerifyGetKey | undefined;
  let algorithms: string[] = [];
  if (jwt?.secret) {
    getKey = new TextEncoder().encode(jwt.secret);
    algorithms = ["HS256"];
  } else if (jwt?.jwksUrl) {
    getKey = createRemoteJWKSet(new URL(jwt.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
    algorithms = jwt.algorithms ?? ["RS256", "PS256", "ES256", "EdDSA"];
  }

  function byApiKey(digest: Buffer): Principal | undefined {
    let match: (typeof keys)[number] | undefined;
    // Every configured key is compared, in constant time, so timing says nothing about which matched.
    for (const k of keys) if (timingSafeEqual(digest, k.hash) && !match) match = k;
    return match ? { tenant: match.tenant, service: match.service, via: "api_key", keyId: match.id, keyRequestsPerMinute: match.requestsPerMinute } : undefined;
  }

  /** A key issued through the admin API: looked up by its hash (an index lookup, the hash says nothing about the key). */
  async function byDatabaseKey(digest: Buffer): Promise<Principal | undefined> {
    if (!database) return undefined;
    const key = await database.authenticate(digest.toString("hex"));
    return key ? { tenant: key.tenant, service: key.service, via: "api_key", keyId: key.id, keyRequestsPerMinute: key.requestsPerMinute } : undefined;
  }

  async function byAnyCredential(token: string): Promise<Principal> {
    const digest = createHash("sha256").update(token, "utf8").digest();
    const principal = (keys.length > 0 ? byApiKey(digest) : undefined) ?? (looksLikeJwt(token) ? undefined : await byDatabaseKey(digest));
    if (principal) return principal;
    if (jwt && looksLikeJwt(token)) return byJwt(token);
    throw unauthorized("invalid API key");
  }

  async function byJwt(token: string): Promise<Principal> {
    if (!jwt || !getKey) throw unauthorized("invalid API key");
    let payload: JWTPayload;
    try {
      const options = {
        algorithms,
        issuer: jwt.issuer,
        audience: jwt.audience,
        clockTolerance: jwt.clockToleranceSeconds,
        requiredClaims: ["exp"],
      };
      payload =
        getKey instanceof Uint8Array ? (await jwtVerify(token, getKey, options)).payload : (await jwtVerify(token, getKey, options)).payload;
    } catch (error) {
      throw unauthorized(`invalid token: ${jwtReason(error)}`);
    }
    // jose checks `iat` only against a maximum age; a token issued in the future is a forged or
    // mis-minted one (its `exp` could then be far off), so it is refused beyond the same clock skew.
    if (typeof payload.iat === "number" && payload.iat > Date.now() / 1000 + jwt.clockToleranceSeconds) {
      throw unauthorized("invalid token: claim iat check failed (issued in the future)");
    }
    const claim = Object.hasOwn(payload, jwt.tenantClaim) ? payload[jwt.tenantClaim] : undefined;
    const tenant = typeof claim === "string" || typeof claim === "number" ? String(claim) : undefined;
    if (!tenant || !isValidTenant(tenant)) throw unauthorized(`invalid token: claim ${jwt.tenantClaim} is missing or not a valid tenant id`);
    const service = jwt.serviceClaim !== undefined && Object.hasOwn(payload, jwt.serviceClaim) && payload[jwt.serviceClaim] === true;
    return { tenant, service, via: "jwt" };
  }

  return {
    required,
    async authenticate(headers) {
      if (!required) return anonymous;
      const token = presented(headers);
      if (!token) throw unauthorized("missing credentials: send Authorization: Bearer <key> or x-api-key");
      return byAnyCredential(token);
    },
    async authenticateAdmin(headers) {
      const token = presented(headers);
      if (!token) throw unauthorized("missing credentials: send Authorization: Bearer <admin key> or x-api-key");
      const digest = createHash("sha256").update(token, "utf8").digest();
      let match: (typeof adminKeys)[number] | undefined;
      for (const k of adminKeys) if (timingSafeEqual(digest, k.hash) && !match) match = k;
      if (match) return { name: match.name };
      if (adminKeys.length === 0) throw forbidden("the admin API is disabled: configure auth.adminKeys", "admin_disabled");
      // A tenant's valid credentials are told apart from unknown ones: 403, not 401.
      try {
        await byAnyCredential(token);
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) throw unauthorized("invalid admin key");
        throw error;
      }
      throw forbidden("this credential is not an admin key (auth.adminKeys)", "not_admin");
    },
  };
}

/** A short, safe reason: which check failed, never the token. */
function jwtReason(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return "expired";
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `claim ${error.claim} check failed (${error.reason})`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "algorithm not allowed";
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "signature verification failed";
  if (error instanceof joseErrors.JWKSNoMatchingKey) return "no matching key";
  if (error instanceof joseErrors.JOSEError) return error.code.replace(/^ERR_/, "").toLowerCase();
  return "malformed";
}

/** Hex SHA-256 of an API key, the form `auth.apiKeys[].sha256` takes. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}
