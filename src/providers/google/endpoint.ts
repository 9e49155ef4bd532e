import { AuthenticationError, ValidationError } from "../../core/errors.js";
import type { HttpClient } from "../../core/http.js";
import type { AdapterContext } from "../../core/provider.js";
import { registerSecret } from "../../core/redact.js";
import { GEMINI_DEFAULT_BASE_URL } from "./base-url.js";
import { parseGoogleError } from "./errors.js";
import { type GoogleProviderConfig, googleProviderConfig } from "./options.js";

export { GEMINI_DEFAULT_BASE_URL };
export const VERTEX_DEFAULT_LOCATION = "us-central1";

/**
 * Where one Google call goes and how it authenticates. Shared by images (generateContent, predict) and
 * video (predictLongRunning, operations): build it once per attempt with `googleTarget(ctx)`.
 */
export interface GoogleTarget {
  backend: "gemini" | "vertex";
  /** Vertex project, absent on the Gemini API and in Vertex express mode. */
  project: string | undefined;
  location: string | undefined;
  /** Root up to and including the API version, e.g. `https://generativelanguage.googleapis.com/v1beta`. */
  root: string;
  headers: Record<string, string>;
  /** Absolute URL of a model method: `modelUrl("gemini-2.5-flash-image", "generateContent")`. */
  modelUrl(model: string, method: string): string;
  /** Absolute URL of a resource name the API returned (e.g. an operation name). */
  resourceUrl(name: string): string;
}

/** The Vertex host for a location: `global` has no prefix, the `eu`/`us` multi-regions use rep hosts. */
export function vertexHost(location: string): string {
  if (location === "global") return "https://aiplatform.googleapis.com";
  if (location === "eu" || location === "us") return `https://aiplatform.${location}.rep.googleapis.com`;
  return `https://${location}-aiplatform.googleapis.com`;
}

/** Which API a config talks to, decided before any credential is needed. */
export function googleBackend(ctx: AdapterContext): GoogleTarget["backend"] {
  return backendOf(googleProviderConfig(ctx));
}

function backendOf(pc: GoogleProviderConfig): GoogleTarget["backend"] {
  return (pc.vertex ?? (pc.project !== undefined && pc.location !== undefined)) ? "vertex" : "gemini";
}

function withVersion(base: string, version: string): string {
  const trimmed = base.replace(/\/+$/, "");
  // A base URL that already names a version (`…/v1beta`) is used as given.
  return /\/v\d+(?:(?:alpha|beta)\d*)?$/.test(trimmed) ? trimmed : `${trimmed}/${version}`;
}

const modelId = (model: string) => encodeURIComponent(model.replace(/^(?:publishers\/google\/)?models\//, ""));

/**
 * `overrides` replace config fields, for calls whose target is fixed by an earlier call rather than by
 * the caller's config (a video job resumed in another process talks to the backend that started it).
 */
export function googleTarget(ctx: AdapterContext, overrides: Partial<GoogleProviderConfig> = {}): GoogleTarget {
  const pc: GoogleProviderConfig = { ...googleProviderConfig(ctx), ...overrides };
  if (backendOf(pc) === "gemini") {
    const root = withVersion(ctx.baseUrl || GEMINI_DEFAULT_BASE_URL, pc.apiVersion ?? "v1beta");
    return {
      backend: "gemini",
      project: undefined,
      location: undefined,
      root,
      headers: { "x-goog-api-key": ctx.requireApiKey() },
      modelUrl: (model, method) => `${root}/models/${modelId(model)}:${method}`,
      resourceUrl: (name) => `${root}/${name.replace(/^\/+/, "")}`,
    };
  }

  const location = pc.location ?? VERTEX_DEFAULT_LOCATION;
  // The provider default base URL is the Gemini API's; any other base URL (a proxy, a fake) is kept for Vertex.
  const custom = ctx.baseUrl && ctx.baseUrl !== GEMINI_DEFAULT_BASE_URL ? ctx.baseUrl : undefined;
  const version = pc.apiVersion ?? "v1";

  if (pc.project === undefined) {
    // Vertex express mode: no project, an API key in x-goog-api-key, the global host.
    const root = withVersion(custom ?? vertexHost("global"), version);
    return {
      backend: "vertex",
      project: undefined,
      location: undefined,
      root,
      headers: { "x-goog-api-key": ctx.requireApiKey() },
      modelUrl: (model, method) => `${root}/publishers/google/models/${modelId(model)}:${method}`,
      resourceUrl: (name) => `${root}/${name.replace(/^\/+/, "")}`,
    };
  }

  const token = pc.accessToken ?? ctx.apiKey;
  if (!token) {
    throw new AuthenticationError(
      "no credentials for google on Vertex AI: pass providerConfig.accessToken (an OAuth token, e.g. `gcloud auth print-access-token`) or apiKey",
      { provider: ctx.provider, model: ctx.model },
    );
  }
  registerSecret(token);
  if (!/^[a-z0-9-]+$/.test(location)) {
    throw new ValidationError(`providerConfig.location ${JSON.stringify(location)} is not a Vertex AI location`, {
      issues: [{ field: "providerConfig.location", message: "not a Vertex AI location (e.g. us-central1, europe-west4, global)" }],
    });
  }
  const root = withVersion(custom ?? vertexHost(location), version);
  const scope = `projects/${encodeURIComponent(pc.project)}/locations/${location}`;
  return {
    backend: "vertex",
    project: pc.project,
    location,
    root,
    headers: { authorization: `Bearer ${token}` },
    modelUrl: (model, method) => `${root}/${scope}/publishers/google/models/${modelId(model)}:${method}`,
    resourceUrl: (name) => `${root}/${name.replace(/^\/+/, "")}`,
  };
}

/** An HTTP client for a target: its auth headers and Google's error parser. */
export function googleHttp(ctx: AdapterContext, target: GoogleTarget): HttpClient {
  return ctx.http({ baseUrl: target.root, headers: target.headers, parseError: parseGoogleError });
}

/**
 * A parameter only Vertex AI takes. On Vertex it is sent; on the Gemini API (which would answer 400)
 * it fails validation in strict mode or is left out with a warning in coerce mode.
 */
export function vertexOnly(ctx: AdapterContext, target: GoogleTarget, field: string): boolean {
  if (target.backend === "vertex") return true;
  const message = `${field} is only supported on Vertex AI (providerConfig vertex / project + location), not on the Gemini API`;
  if (ctx.validation === "coerce") {
    ctx.warn(`${message}; it was not sent`);
    return false;
  }
  throw new ValidationError(`Invalid request for ${ctx.provider}/${ctx.model}: ${message}`, {
    issues: [{ field, message }],
    provider: ctx.provider,
    model: ctx.model,
  });
}

