/**
 * `tarash models --refresh`: compare the catalog with what the providers list today, and print what
 * is new (listed, not in the catalog), gone (in the catalog, not served) or changed (served, but the
 * provider marks it deprecated). Only providers with a model-listing endpoint take part: OpenAI
 * (`GET /v1/models`), Gemini (`GET /v1beta/models`, paged by `pageToken`), Replicate (each catalog
 * model by `GET /v1/models/{owner}/{name}`, new ones from the `text-to-image` / `text-to-video`
 * collections) and fal (the Platform API's `GET /v1/models`, catalog ids in find mode, new ones from
 * the media categories, paged by `cursor`). A provider without a key is skipped with one line.
 * Every read is capped, every pagination bounded.
 */
import { parseArgs } from "node:util";
import type { ModelCapability } from "../core/capabilities.js";
import { TarashError } from "../core/errors.js";
import type { Gateway } from "../core/gateway.js";
import { HttpClient } from "../core/http.js";
import { registerSecret } from "../core/redact.js";
import { fetchJsonDocument } from "../core/remote-schema/fetch.js";
import { GEMINI_DEFAULT_BASE_URL } from "../providers/google/base-url.js";
import { falPlatformUrl } from "../providers/fal/schema.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { parseCommand, withUsage } from "./flags.js";
import type { RunContext } from "./run.js";

export const REFRESH_HELP = `Usage: tarash models --refresh [--provider <id>] [--base-url <provider>=<url>]... [--json]

Compare the catalog with the providers' own model lists (openai, google, replicate, fal) and print what
is new, gone or changed. Each provider needs its key in the environment; one without is skipped.
`;

const REFRESH_FLAGS = {
  refresh: { type: "boolean" },
  provider: { type: "string", short: "p", multiple: true },
  "base-url": { type: "string", multiple: true },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Bounds: pages per listing, bytes per page, time per request. */
const MAX_PAGES = 20;
const MAX_PAGE_BYTES = 8 * 1024 * 1024;
const REQUEST_TIMEOUT_MS = 20_000;
/** Most names printed per list (the JSON has them all). */
const MAX_PRINTED = 40;

export interface ProviderDiff {
  provider: string;
  skipped?: string | undefined;
  error?: string | undefined;
  listed: number;
  new: string[];
  gone: string[];
  changed: { model: string; note: string }[];
  /** A listing cut short by MAX_PAGES. */
  truncated?: boolean | undefined;
}

interface Source {
  id: string;
  envKeys: readonly string[];
  defaultBaseUrl: string;
  diff(client: Client, base: string, key: string, catalog: readonly ModelCapability[]): Promise<Omit<ProviderDiff, "provider">>;
}

/** An HTTP client for one provider with these headers (its auth). */
type Client = (headers: Record<string, string>) => HttpClient;
type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const page = async (http: HttpClient, url: string, query?: Record<string, string | number | undefined>) =>
  fetchJsonDocument(http, url, { maxBytes: MAX_PAGE_BYTES, timeoutMs: REQUEST_TIMEOUT_MS, query });

/** Which ids of a provider's listing are media models worth comparing (the rest are chat, embeddings …). */
const OPENAI_MEDIA = /^(dall-e|gpt-image|chatgpt-image|sora)/;
const GEMINI_MEDIA = /^(imagen|veo|gemini-[\w.-]*image)/;

function compare(catalogIds: Iterable<string>, listed: ReadonlySet<string>, media: (id: string) => boolean): { new: string[]; gone: string[] } {
  const known = new Set(catalogIds);
  return {
    new: [...listed].filter((id) => media(id) && !known.has(id)).sort(),
    gone: [...known].filter((id) => !listed.has(id)).sort(),
  };
}

const SOURCES: readonly Source[] = [
  {
    id: "openai",
    envKeys: ["OPENAI_API_KEY"],
    defaultBaseUrl: "https://api.openai.com/v1",
    async diff(client, base, key, catalog) {
      const body = await page(client({ authorization: `Bearer ${key}` }), `${base}/models`);
      const data = isObject(body) && Array.isArray(body.data) ? body.data : [];
      const listed = new Set(data.filter(isObject).map((m) => m.id).filter((id): id is string => typeof id === "string"));
      return { listed: listed.size, ...compare(catalog.map((m) => m.model), listed, (id) => OPENAI_MEDIA.test(id)), changed: [] };
    },
  },
  {
    id: "google",
    envKeys: ["GEMINI_API_KEY", "GOOGLE_API_KEY"],
    defaultBaseUrl: GEMINI_DEFAULT_BASE_URL,
    async diff(clientFor, base, key, catalog) {
      const root = /\/v\d+(alpha|beta)?\d*$/.test(base) ? base : `${base}/v1beta`;
      const client = clientFor({ "x-goog-api-key": key });
      const listed = new Set<string>();
      let token: string | undefined;
      let pages = 0;
      do {
        const body = await page(client, `${root}/models`, { pageSize: 1000, pageToken: token });
        const models = isObject(body) && Array.isArray(body.models) ? body.models : [];
        for (const m of models) if (isObject(m) && typeof m.name === "string") listed.add(m.name.replace(/^models\//, ""));
        token = isObject(body) && typeof body.nextPageToken === "string" && body.nextPageToken ? body.nextPageToken : undefined;
      } while (token && ++pages < MAX_PAGES);
      // Vertex-only entries (Imagen on Vertex) are not on the Gemini API's list; compare Gemini API models only.
      const ids = catalog.map((m) => m.model);
      return { listed: listed.size, ...compare(ids, listed, (id) => GEMINI_MEDIA.test(id)), changed: [], truncated: token !== undefined };
    },
  },
  {
    id: "replicate",
    envKeys: ["REPLICATE_API_TOKEN"],
    defaultBaseUrl: "https://api.replicate.com/v1",
    async diff(clientFor, base, key, catalog) {
      const client = clientFor({ authorization: `Bearer ${key}` });
      const ids = [...new Set(catalog.map((m) => m.model.split(":")[0]!))];
      const gone: string[] = [];
      const changed: { model: string; note: string }[] = [];
      // A bounded number at a time: the catalog has a few dozen Replicate models.
      for (let i = 0; i < ids.length; i += 6) {
        await Promise.all(
          ids.slice(i, i + 6).map(async (id) => {
            const [owner, name] = id.split("/") as [string, string];
            const response = await client.request(`${base}/models/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`, { acceptStatus: [404], timeoutMs: REQUEST_TIMEOUT_MS });
            await response.body?.cancel().catch(() => undefined);
            if (response.status === 404) gone.push(id);
          }),
        );
      }
      const listed = new Set<string>();
      for (const slug of ["text-to-image", "text-to-video"]) {
        let body: unknown;
        try {
          body = await page(client, `${base}/collections/${slug}`);
        } catch (error) {
          if (!(error instanceof TarashError && error.statusCode === 404)) throw error;
          changed.push({ model: `collection ${slug}`, note: "Replicate no longer has this collection" });
          continue;
        }
        const models = isObject(body) && Array.isArray(body.models) ? body.models : [];
        for (const m of models) if (isObject(m) && typeof m.owner === "string" && typeof m.name === "string") listed.add(`${m.owner}/${m.name}`);
      }
      const known = new Set(ids);
      return { listed: listed.size, new: [...listed].filter((id) => !known.has(id)).sort(), gone: gone.sort(), changed };
    },
  },
  {
    id: "fal",
    envKeys: ["FAL_KEY"],
    defaultBaseUrl: "https://queue.fal.run",
    async diff(clientFor, base, key, catalog) {
      const platform = falPlatformUrl({ baseUrl: base, providerConfig: {} });
      const client = clientFor({ authorization: `Key ${key}` });
      const ids = [...new Set(catalog.map((m) => m.model))];
      const found = new Map<string, Json>();
      // Find mode takes up to 50 ids a request.
      for (let i = 0; i < ids.length; i += 50) {
        const url = new URL(`${platform}/models`);
        for (const id of ids.slice(i, i + 50)) url.searchParams.append("endpoint_id", id);
        const body = await page(client, url.toString());
        for (const m of isObject(body) && Array.isArray(body.models) ? body.models : []) if (isObject(m) && typeof m.endpoint_id === "string") found.set(m.endpoint_id, m);
      }
      const changed: { model: string; note: string }[] = [];
      for (const [id, m] of found) {
        const status = isObject(m.metadata) ? m.metadata.status : undefined;
        const ours = catalog.find((c) => c.model === id) as (ModelCapability & { status?: string }) | undefined;
        if (status === "deprecated" && ours?.status !== "deprecated" && ours?.status !== "retired") changed.push({ model: id, note: "fal marks it deprecated" });
      }
      const listed = new Set<string>();
      let truncated = false;
      for (const category of ["text-to-image", "image-to-image", "text-to-video", "image-to-video"]) {
        let cursor: string | undefined;
        let pages = 0;
        do {
          const body = await page(client, `${platform}/models`, { category, status: "active", limit: 100, cursor });
          for (const m of isObject(body) && Array.isArray(body.models) ? body.models : []) if (isObject(m) && typeof m.endpoint_id === "string") listed.add(m.endpoint_id);
          cursor = isObject(body) && typeof body.next_cursor === "string" && body.next_cursor ? body.next_cursor : undefined;
        } while (cursor && ++pages < MAX_PAGES);
        if (cursor) truncated = true;
      }
      const known = new Set(ids);
      return {
        listed: listed.size,
        new: [...listed].filter((id) => !known.has(id)).sort(),
        gone: ids.filter((id) => !found.has(id)).sort(),
        changed,
        truncated,
      };
    },
  },
];

export interface RefreshOptions {
  providers?: readonly string[] | undefined;
  /** Per-provider base URLs (a proxy, or a test server). */
  baseUrls?: Readonly<Record<string, string>> | undefined;
  env?: Readonly<Record<string, string | undefined>> | undefined;
  fetch?: typeof fetch | undefined;
  signal?: AbortSignal | undefined;
}

/** The comparison itself (the CLI prints it; scripts may call it). */
export async function refreshCatalog(gateway: Gateway, options: RefreshOptions = {}): Promise<ProviderDiff[]> {
  const env = options.env ?? process.env;
  const wanted = options.providers && options.providers.length > 0 ? new Set(options.providers) : undefined;
  const unknown = [...(wanted ?? [])].filter((p) => !SOURCES.some((s) => s.id === p));
  if (unknown.length > 0) throw new UsageError(`--provider ${unknown.join(", ")}: no model listing to compare; providers: ${SOURCES.map((s) => s.id).join(", ")}`);
  const chosen = SOURCES.filter((s) => !wanted || wanted.has(s.id));
  return Promise.all(
    chosen.map(async (source): Promise<ProviderDiff> => {
      const key = source.envKeys.map((k) => env[k]).find((v) => v !== undefined && v !== "");
      const empty = { provider: source.id, listed: 0, new: [], gone: [], changed: [] };
      if (!key) return { ...empty, skipped: `no key (set ${source.envKeys.join(" or ")})` };
      registerSecret(key);
      const base = (options.baseUrls?.[source.id] ?? source.defaultBaseUrl).replace(/\/+$/, "");
      const client: Client = (headers) =>
        new HttpClient({ baseUrl: base, headers, provider: source.id, model: "(listing)", timeoutMs: REQUEST_TIMEOUT_MS, signal: options.signal, ...(options.fetch ? { fetch: options.fetch } : {}) });
      try {
        return { provider: source.id, ...(await source.diff(client, base, key, gateway.listModels({ provider: source.id }))) };
      } catch (error) {
        if (options.signal?.aborted) throw error;
        return { ...empty, error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
}

function list(label: string, names: readonly string[]): string[] {
  const shown = names.slice(0, MAX_PRINTED).map((n) => `  ${label} ${n}`);
  if (names.length > MAX_PRINTED) shown.push(`  … and ${names.length - MAX_PRINTED} more (--json lists all)`);
  return shown;
}

export async function refreshCommand(argv: string[], gateway: Gateway, run: RunContext): Promise<number> {
  const { values } = withUsage(() => parseArgs(parseCommand(argv, REFRESH_FLAGS)));
  if (values.help) {
    run.stdout(REFRESH_HELP);
    return EXIT.ok;
  }
  const baseUrls: Record<string, string> = {};
  for (const pair of values["base-url"] ?? []) {
    const m = /^([\w-]+)=(https?:\/\/\S+)$/.exec(pair);
    if (!m) throw new UsageError(`--base-url takes <provider>=<http(s) URL>, got ${JSON.stringify(pair)}`);
    baseUrls[m[1]!] = m[2]!;
  }
  const diffs = await refreshCatalog(gateway, { providers: values.provider, baseUrls, signal: run.signal });
  if (values.json) run.stdout(`${JSON.stringify(diffs, null, 2)}\n`);
  else {
    const lines: string[] = [];
    for (const d of diffs) {
      if (d.skipped) lines.push(`${d.provider}: skipped, ${d.skipped}`);
      else if (d.error) lines.push(`${d.provider}: could not compare: ${d.error}`);
      else {
        lines.push(`${d.provider}: ${d.new.length} new, ${d.gone.length} gone, ${d.changed.length} changed (${d.listed} listed${d.truncated ? `, listing cut at ${MAX_PAGES} pages` : ""})`);
        lines.push(...list("+", d.new), ...list("-", d.gone), ...list("~", d.changed.map((c) => `${c.model}: ${c.note}`)));
      }
    }
    run.stdout(`${lines.join("\n")}\n`);
  }
  return diffs.some((d) => d.error) ? EXIT.provider : EXIT.ok;
}

