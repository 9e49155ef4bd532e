/**
 * A small Prometheus registry (text exposition format 0.0.4). Labels are bounded by construction: the
 * HTTP route label is the route pattern (never the raw path), no label carries a tenant or a key, and
 * `provider`, `model` and `error` pass through the label policy (catalog and configured routes only).
 */

type Labels = Record<string, string>;

/** Which provider and model names may become label values; anything else is reported as `other`. */
export interface LabelPolicy {
  provider(id: string): string;
  model(provider: string, model: string): string;
}

/** Until a policy is set, no client-influenced name becomes a label. */
const CLOSED: LabelPolicy = { provider: () => "other", model: () => "other" };
/** Values the gateway itself writes when it knows nothing better. */
const OWN_VALUES = new Set(["unknown", "other"]);
/** Error labels are class names (`TimeoutError`); anything else is not one. */
const ERROR_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

function escape(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

/**
 * The series key of a label set: names in code-unit order, each name and value framed by control
 * characters that a name cannot contain. Runs on every request for every metric touched, so it avoids
 * the array of pairs, the locale-aware sort and the JSON encoding the first version paid.
 */
function keyOf(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length > 1) names.sort();
  let key = "";
  for (const name of names) key += `${name}\u0001${labels[name]}\u0000`;
  return key;
}

const asIs = (labels: Labels) => labels;

class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bound: (labels: Labels) => Labels = asIs,
  ) {}
  inc(raw: Labels, by = 1): void {
    const labels = this.bound(raw);
    const k = keyOf(labels);
    const cur = this.values.get(k);
    if (cur) cur.value += by;
    else this.values.set(k, { labels, value: by });
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines.join("\n");
  }
}

class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
    private readonly bound: (labels: Labels) => Labels = asIs,
  ) {}
  observe(raw: Labels, value: number): void {
    const labels = this.bound(raw);
    const k = keyOf(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    this.buckets.forEach((b, i) => {
      if (value <= b) s.counts[i]! += 1;
    });
    s.sum += value;
    s.count += 1;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: String(b) })} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: "+Inf" })} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines.join("\n");
  }
}

export class Metrics {
  private policy: LabelPolicy = CLOSED;
  /** Provider, model and error labels as the policy allows them; other labels are the gateway's own. */
  private readonly bounded = (raw: Labels): Labels => {
    const labels = { ...raw };
    const provider = raw.provider;
    if (provider !== undefined && !OWN_VALUES.has(provider)) labels.provider = this.policy.provider(provider);
    if (raw.model !== undefined && !OWN_VALUES.has(raw.model)) {
      labels.model = provider === undefined || OWN_VALUES.has(provider) ? "other" : this.policy.model(provider, raw.model);
    }
    if (raw.error !== undefined && !ERROR_NAME.test(raw.error)) labels.error = "other";
    return labels;
  };
  readonly requests = new Counter("tarash_http_requests_total", "HTTP requests by route pattern, method and status.");
  readonly requestDuration = new Histogram(
    "tarash_http_request_duration_seconds",
    "HTTP request latency by route pattern.",
    [0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60],
  );
  readonly generationDuration = new Histogram(
    "tarash_generation_duration_seconds",
    "Generation latency (retries and fallbacks included) by kind, provider, model and outcome.",
    [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    this.bounded,
  );
  readonly providerErrors = new Counter("tarash_provider_errors_total", "Failed provider attempts by provider and error type.", this.bounded);
  readonly webhookDeliveries = new Counter("tarash_webhook_deliveries_total", "Webhook delivery attempts by outcome.");
  readonly mockGenerations = new Counter("tarash_mock_generations_total", "Generations answered by the mock provider (nothing billed), by kind.");
  /** `route` is a configured route name or `none` (a model named directly): bounded by the config. */
  readonly spend = new Counter("tarash_spend_usd_total", "Spend in USD of successful generations (provider-reported where known, else estimated), by provider and route; mock calls excluded.", this.bounded);
  readonly usageDropped = new Counter("tarash_usage_events_dropped_total", "Usage events never written to the ledger, by reason (buffer_full, write_failed, shutdown).");

  /** Set which provider and model names may be label values (the app: the catalog and configured routes). */
  useLabelPolicy(policy: LabelPolicy): void {
    this.policy = policy;
  }

  /**
   * Prometheus text; `jobs` are sampled at scrape time. Undefined `jobs` means the queue could not be
   * read: `tarash_queue_up 0` and no `tarash_jobs` at all (an unknown count is not a zero).
   */
  render(jobs: Record<string, number> | undefined): string {
    const jobLines = ["# HELP tarash_queue_up Whether the job queue's store answered this scrape (1) or not (0).", "# TYPE tarash_queue_up gauge"];
    jobLines.push(`tarash_queue_up ${jobs ? 1 : 0}`, "# HELP tarash_jobs Jobs currently known by state.", "# TYPE tarash_jobs gauge");
    for (const [state, n] of Object.entries(jobs ?? {})) jobLines.push(`tarash_jobs${labelText({ state })} ${n}`);
    return (
      [
        this.requests.render(),
        this.requestDuration.render(),
        this.generationDuration.render(),
        this.providerErrors.render(),
        this.webhookDeliveries.render(),
        this.mockGenerations.render(),
        this.spend.render(),
        this.usageDropped.render(),
        jobLines.join("\n"),
      ].join("\n") + "\n"
    );
  }
}
