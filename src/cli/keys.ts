import { parseArgs } from "node:util";
import { EXIT, UsageError } from "./exit-codes.js";
import type { RunContext } from "./run.js";

export const KEYS_HELP = `Usage: tarash keys <command> [options]       (API keys of a running gateway, through its admin API)
       tarash tenants <command> [options]

Keys
  create --tenant ID [--name NAME] [--daily-usd N] [--monthly-usd N] [--rpm N] [--service]
                      issue a key; it is printed once (stdout), the gateway keeps only its hash
  list [--tenant ID] [--all]      the keys (--all: revoked ones too); never the keys themselves
  show ID                         one key's settings and status
  update ID [--name NAME] [--daily-usd N|none] [--monthly-usd N|none] [--rpm N|none]
  revoke ID                       the key stops working at once
  rotate ID [--grace SECONDS]     a new key with the same settings; the old one is revoked
                                  now, or after the grace period (at most 604800 s)
Tenants
  create ID [--name NAME] [--daily-usd N] [--monthly-usd N] [--rpm N]
  list | show ID | update ID [--name NAME] [--daily-usd N|none] [--monthly-usd N|none] [--rpm N|none]

Options
  --url URL          the gateway (default: $TARASH_URL, else http://127.0.0.1:8787)
  --json             the admin API's JSON on stdout
Environment
  TARASH_ADMIN_KEY   an admin key of that gateway (its SHA-256 in auth.adminKeys of its config)

Budgets are USD per UTC day / month, --rpm is requests per minute; "none" removes a setting.`;

const FLAGS = {
  url: { type: "string" },
  tenant: { type: "string" },
  name: { type: "string" },
  "daily-usd": { type: "string" },
  "monthly-usd": { type: "string" },
  rpm: { type: "string" },
  service: { type: "boolean" },
  all: { type: "boolean" },
  grace: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  verbose: { type: "boolean", short: "v" },
  quiet: { type: "boolean", short: "q" },
} as const;

type Values = { [K in keyof typeof FLAGS]?: (typeof FLAGS)[K] extends { type: "boolean" } ? boolean : string };

/** Admin answers are small; anything bigger than this is not the gateway talking. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
const TIMEOUT_MS = 30_000;
/** Pages of a list followed at most (1,000 entries each). */
const MAX_PAGES = 100;

/** A failure with its exit code, reported as one line. */
class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** A number flag: positive, or `none` (only where a setting can be removed). */
function amount(flag: string, value: string | undefined, clearable: boolean): number | null | undefined {
  if (value === undefined) return undefined;
  if (clearable && value === "none") return null;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} must be a positive number${clearable ? ' or "none"' : ""}, got "${value}"`);
  return n;
}

function settings(v: Values, clearable: boolean): Record<string, unknown> {
  const daily = amount("daily-usd", v["daily-usd"], clearable);
  const monthly = amount("monthly-usd", v["monthly-usd"], clearable);
  const rpm = amount("rpm", v.rpm, clearable);
  const budget = { ...(daily !== undefined ? { daily_usd: daily } : {}), ...(monthly !== undefined ? { monthly_usd: monthly } : {}) };
  return {
    ...(v.name !== undefined ? { name: clearable && v.name === "none" ? null : v.name } : {}),
    ...(Object.keys(budget).length > 0 ? { budget } : {}),
    ...(rpm !== undefined ? { requests_per_minute: rpm } : {}),
  };
}

interface Admin {
  call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
}

function adminClient(v: Values, signal: AbortSignal): Admin {
  const base = (v.url ?? process.env.TARASH_URL ?? "http://127.0.0.1:8787").replace(/\/+$/, "");
  let origin: URL;
  try {
    origin = new URL(base);
  } catch {
    throw new UsageError(`--url must be the gateway's URL (http://host:port), got "${base}"`);
  }
  if (origin.protocol !== "http:" && origin.protocol !== "https:") throw new UsageError(`--url must be an http or https URL, got "${base}"`);
  const key = process.env.TARASH_ADMIN_KEY;
  if (!key) throw new UsageError("set TARASH_ADMIN_KEY to an admin key of the gateway (its SHA-256 goes in auth.adminKeys of the gateway's config)");
  return {
    async call(method, path, body) {
      let res: Response;
      try {
        res = await fetch(base + path, {
          method,
          headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)]),
          redirect: "error",
        });
      } catch (error) {
        if (signal.aborted) throw new CommandError("cancelled", EXIT.cancelled);
        const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
        throw new CommandError(`cannot reach the gateway at ${base} (${cause}); start it with tarash serve, or pass --url`, EXIT.failure);
      }
      const text = await readCapped(res);
      let parsed: Record<string, unknown> | undefined;
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        parsed = undefined;
      }
      if (res.ok && parsed) return parsed;
      const error = parsed?.error as { message?: string; param?: string | null } | undefined;
      const message = error?.message ?? `the gateway answered HTTP ${res.status} without an error message`;
      const code = res.status === 400 ? EXIT.badInput : res.status === 401 || res.status === 403 ? EXIT.auth : EXIT.failure;
      const hint = res.status === 401 ? " (is TARASH_ADMIN_KEY one of the gateway's auth.adminKeys?)" : res.status === 404 && !error ? " (is --url a tarash gateway?)" : "";
      throw new CommandError(`${message} (HTTP ${res.status})${hint}`, code);
    },
  };
}

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_RESPONSE_BYTES) throw new CommandError(`the gateway's answer exceeds ${MAX_RESPONSE_BYTES} bytes`, EXIT.failure);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

interface KeyView {
  id: string;
  prefix: string;
  tenant: string;
  name: string | null;
  status: string;
  service: boolean;
  budget: { daily_usd: number | null; monthly_usd: number | null };
  requests_per_minute: number | null;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}
interface TenantView {
  id: string;
  name: string | null;
  budget: { daily_usd: number | null; monthly_usd: number | null };
  requests_per_minute: number | null;
}

const money = (n: number | null) => (n === null ? "-" : `$${n}`);
const limits = (b: { daily_usd: number | null; monthly_usd: number | null }, rpm: number | null) =>
  [b.daily_usd !== null ? `daily ${money(b.daily_usd)}` : "", b.monthly_usd !== null ? `monthly ${money(b.monthly_usd)}` : "", rpm !== null ? `${rpm}/min` : ""].filter(Boolean).join(", ") ||
  "no budget or limit";

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n") + "\n";
}

const keyLine = (k: KeyView) => `${k.id} (${k.prefix}…) tenant ${k.tenant}${k.name ? ` "${k.name}"` : ""}, ${k.status}; ${limits(k.budget, k.requests_per_minute)}`;
const tenantLine = (t: TenantView) => `${t.id}${t.name ? ` "${t.name}"` : ""}: ${limits(t.budget, t.requests_per_minute)}`;

async function listAll<T>(admin: Admin, path: string): Promise<T[]> {
  const out: T[] = [];
  let after: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const sep = path.includes("?") ? "&" : "?";
    const body = await admin.call("GET", `${path}${sep}limit=1000${after ? `&after=${encodeURIComponent(after)}` : ""}`);
    out.push(...(body.data as T[]));
    if (!body.has_more) return out;
    after = body.last_id as string;
  }
  return out;
}

function parse(argv: string[]): { values: Values; positionals: string[] } {
  try {
    return parseArgs({ args: argv, options: FLAGS, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] };
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^TypeError \[\w+\]: /, ""));
  }
}

function oneId(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`give exactly one ${what} id, got ${positionals.length}`);
  return encodeURIComponent(positionals[0]!);
}

/** `tarash keys …` and `tarash tenants …` against a running gateway's admin API. */
export async function keysCommand(area: "keys" | "tenants", argv: string[], run: RunContext): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    run.stdout(`${KEYS_HELP}\n`);
    return sub === undefined ? EXIT.badInput : EXIT.ok;
  }
  const { values: v, positionals } = parse(rest);
  if (v.help) {
    run.stdout(`${KEYS_HELP}\n`);
    return EXIT.ok;
  }
  const admin = adminClient(v, run.signal);
  const print = (body: unknown, human: string) => run.stdout(v.json ? `${JSON.stringify(body, null, 2)}\n` : human);
  try {
    if (area === "tenants") return await tenantsCommand(sub, v, positionals, admin, print);
    switch (sub) {
      case "create": {
        if (!v.tenant) throw new UsageError("--tenant is required: the tenant the key acts for");
        if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
        const body = await admin.call("POST", "/admin/keys", { tenant: v.tenant, ...(v.service ? { service: true } : {}), ...settings(v, false) });
        const key = body as unknown as KeyView & { key: string };
        // The key alone on stdout (KEY=$(tarash keys create …)); what it is on stderr.
        print(body, `${key.key}\n`);
        if (!v.json) process.stderr.write(`created API key ${keyLine(key)}\nstore the key now: the gateway keeps only its hash and cannot show it again\n`);
        return EXIT.ok;
      }
      case "list": {
        const query = new URLSearchParams({ ...(v.tenant ? { tenant: v.tenant } : {}), ...(v.all ? { include_revoked: "true" } : {}) }).toString();
        const keys = await listAll<KeyView>(admin, `/admin/keys${query ? `?${query}` : ""}`);
        const rows = [["ID", "PREFIX", "TENANT", "NAME", "STATUS", "DAILY", "MONTHLY", "RPM", "LAST USED"]];
        for (const k of keys) {
          rows.push([k.id, k.prefix, k.tenant, k.name ?? "-", k.status, money(k.budget.daily_usd), money(k.budget.monthly_usd), k.requests_per_minute === null ? "-" : String(k.requests_per_minute), k.last_used_at ?? "never"]);
        }
        print({ object: "list", data: keys }, keys.length === 0 ? "no keys\n" : table(rows));
        return EXIT.ok;
      }
      case "show": {
        const body = await admin.call("GET", `/admin/keys/${oneId(positionals, "key")}`);
        print(body, `${keyLine(body as unknown as KeyView)}\n`);
        return EXIT.ok;
      }
      case "update": {
        const patch = settings(v, true);
        if (Object.keys(patch).length === 0) throw new UsageError("nothing to update: give --name, --daily-usd, --monthly-usd or --rpm");
        const body = await admin.call("PATCH", `/admin/keys/${oneId(positionals, "key")}`, patch);
        print(body, `updated ${keyLine(body as unknown as KeyView)}\n`);
        return EXIT.ok;
      }
      case "revoke": {
        const body = await admin.call("POST", `/admin/keys/${oneId(positionals, "key")}/revoke`);
        print(body, `revoked ${keyLine(body as unknown as KeyView)}\n`);
        return EXIT.ok;
      }
      case "rotate": {
        const grace = v.grace === undefined ? undefined : Number(v.grace);
        if (grace !== undefined && (!Number.isInteger(grace) || grace < 0)) throw new UsageError(`--grace must be whole seconds ≥ 0, got "${v.grace}"`);
        const body = await admin.call("POST", `/admin/keys/${oneId(positionals, "key")}/rotate`, grace === undefined ? undefined : { grace_seconds: grace });
        const key = body as unknown as KeyView & { key: string; replaced: KeyView };
        print(body, `${key.key}\n`);
        if (!v.json) {
          const until = key.replaced.status === "expiring" ? `works until ${key.replaced.revoked_at}` : "is revoked";
          process.stderr.write(`new API key ${keyLine(key)}\nthe old key ${key.replaced.id} ${until}; store the new key now: it cannot be shown again\n`);
        }
        return EXIT.ok;
      }
      default:
        throw new UsageError(`unknown keys command "${sub}"; commands: create, list, show, update, revoke, rotate`);
    }
  } catch (error) {
    if (error instanceof CommandError) {
      process.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}

async function tenantsCommand(sub: string, v: Values, positionals: string[], admin: Admin, print: (body: unknown, human: string) => void): Promise<number> {
  switch (sub) {
    case "create": {
      const body = await admin.call("POST", "/admin/tenants", { id: decodeURIComponent(oneId(positionals, "tenant")), ...settings(v, false) });
      print(body, `created tenant ${tenantLine(body as unknown as TenantView)}\n`);
      return EXIT.ok;
    }
    case "list": {
      const tenants = await listAll<TenantView>(admin, "/admin/tenants");
      const rows = [["ID", "NAME", "DAILY", "MONTHLY", "RPM"]];
      for (const t of tenants) rows.push([t.id, t.name ?? "-", money(t.budget.daily_usd), money(t.budget.monthly_usd), t.requests_per_minute === null ? "-" : String(t.requests_per_minute)]);
      print({ object: "list", data: tenants }, tenants.length === 0 ? "no tenants\n" : table(rows));
      return EXIT.ok;
    }
    case "show": {
      const body = await admin.call("GET", `/admin/tenants/${oneId(positionals, "tenant")}`);
      print(body, `${tenantLine(body as unknown as TenantView)}\n`);
      return EXIT.ok;
    }
    case "update": {
      const patch = settings(v, true);
      if (Object.keys(patch).length === 0) throw new UsageError("nothing to update: give --name, --daily-usd, --monthly-usd or --rpm");
      const body = await admin.call("PATCH", `/admin/tenants/${oneId(positionals, "tenant")}`, patch);
      print(body, `updated tenant ${tenantLine(body as unknown as TenantView)}\n`);
      return EXIT.ok;
    }
    default:
      throw new UsageError(`unknown tenants command "${sub}"; commands: create, list, show, update`);
  }
}
