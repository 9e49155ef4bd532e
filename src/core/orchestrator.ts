import { attemptSignal, backoffDelay, raceAbort, sleep } from "./abort.js";
import { resolveModelWith, type ResolveTrace, type ResolvedModel } from "./aliases.js";
import type { ModelCapability } from "./capabilities.js";
import { createContext, type MockedContext } from "./context.js";
import { CancelledError, GenerationFailedError, HTTPError, TarashError, ValidationError, stamp } from "./errors.js";
import type { GatewayCore } from "./gateway-core.js";
import { logsAt } from "./logger.js";
import type { ProgressReport, ProviderAdapter } from "./provider.js";
import { ProgressUpdateSchema, GenerationConfigSchema, type GenerationConfig } from "./schemas.js";
import type {
  AttemptRecord,
  ExecutionMetadata,
  GenerateOptions,
  GenerationConfigInput,
  MediaKind,
  NormalizedImageRequest,
  NormalizedVideoRequest,
} from "./types.js";
import { checkLifecycle, effectiveStatus } from "./lifecycle.js";
import { applyCapabilities, fieldTypos, resolveNamedSize, type ValidationMode, zodToValidationError } from "./validate.js";
import { redact } from "./redact.js";

const DEFAULT_MAX_RETRIES = 2;
const DEFAULT_RETRY_BASE_MS = 500;
const DEFAULT_RETRY_MAX_MS = 8_000;
const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;
/** How long an aborted attempt may take to cancel its provider job before the caller gets CancelledError. */
const ABORT_GRACE_MS = 2_000;

export function newRequestId(): string {
  return `req_${crypto.randomUUID().replace(/-/g, "")}`;
}

export function parseConfig(input: unknown): GenerationConfig {
  const parsed = GenerationConfigSchema.safeParse(input ?? {});
  if (!parsed.success) throw zodToValidationError(parsed.error, "config");
  return parsed.data;
}

/** Depth-first flattening: a config, then each fallback with its own fallbacks, in order. */
export function flattenChain(config: GenerationConfig): GenerationConfig[] {
  const out: GenerationConfig[] = [config];
  for (const fallback of config.fallbacks ?? []) out.push(...flattenChain(fallback));
  return out;
}

export function resolveConfigModel(core: GatewayCore, config: GenerationConfig, kind: MediaKind, trace?: ResolveTrace): ResolvedModel {
  return resolveModelWith(config.model, {
    trace,
    provider: config.provider,
    kind,
    registry: core.registry,
    rules: core.rules,
    knownProviders: core.knownProviders,
    userAliases: core.options.aliases,
    defaults: core.defaults,
  });
}

export interface PreparedCall<R> {
  config: GenerationConfig;
  provider: string;
  model: string;
  capability: ModelCapability | undefined;
  request: R;
  warnings: string[];
  mocked: boolean;
}

/** Resolve the model of one config and validate the request against its capabilities. */
export function prepare<R extends NormalizedImageRequest | NormalizedVideoRequest>(
  core: GatewayCore,
  config: GenerationConfig,
  request: R,
  kind: MediaKind,
): PreparedCall<R> {
  const trace: ResolveTrace = {};
  const { provider, model } = resolveConfigModel(core, config, kind, trace);
  const mocked = provider === "mock" || (config.mock ?? core.mock)?.enabled === true;
  if (!core.registry.getProvider(provider) && !mocked) {
    const available = core.registry.providerIds();
    throw new ValidationError(`provider ${JSON.stringify(provider)} is not available; available: ${available.join(", ")}`, {
      issues: [{ field: "provider", message: "not available", allowed: available }],
      provider,
      model,
    });
  }
  const mode: ValidationMode = config.validation ?? core.options.defaults?.validation ?? "strict";
  const typoWarnings = checkFieldTypos(request, mode, provider, model);
  const capability = core.registry.getModel(provider, model);
  if (capability && capability.kind !== kind) {
    throw new ValidationError(`${provider}/${model} generates ${capability.kind}, not ${kind}`, {
      issues: [{ field: "model", message: `a ${capability.kind} model` }],
      provider,
      model,
    });
  }
  if (!capability) {
    const warnings = [`model ${model} is not in the ${provider} catalog: parameters are passed through unchecked`];
    // Only the name's resemblance ties it to the provider (`fluxx` → bfl): most likely a typo, so strict refuses it.
    if (trace.byPattern) {
      const now = core.now();
      const near = core.registry.suggestModels(provider, kind, model, (m) => effectiveStatus(m, now) !== "retired").map((m) => `${provider}/${m}`);
      const hint = near.length > 0 ? `did you mean ${near.join(", ")}?` : `see \`tarash models --provider ${provider}\``;
      const what = `model ${JSON.stringify(model)} is not in the catalog; only its name suggests ${provider}`;
      if (mode === "strict") {
        throw new ValidationError(`${what}; ${hint} (to send it anyway, name the provider: "${provider}/${model}", or use validation "coerce")`, {
          issues: [{ field: "model", message: `${what}; ${hint}`, ...(near.length > 0 ? { allowed: near } : {}) }],
          provider,
          model,
        });
      }
      warnings[0] = `${what}; ${hint} It was sent to ${provider} unchecked`;
    }
    return { config, provider, model, capability: undefined, request: resolveNamedSize(request), warnings: [...typoWarnings, ...warnings], mocked };
  }
  // A retired model is refused (strict) or swapped for its replacement (coerce) before anything is sent.
  const life = checkLifecycle(capability, mode, core.now(), (id) => core.registry.getModel(provider, id));
  const { request: checked, warnings } = applyCapabilities(request, life.capability, mode, kind);
  return { config, provider, model: life.capability.model, capability: life.capability, request: checked, warnings: [...typoWarnings, ...life.warnings, ...warnings], mocked };
}

/**
 * A top-level request field that is not one but is spelled like one (`sizee`): strict refuses it naming the field
 * and the one it resembles; coerce passes it on in extraParams, as before, with a warning that says so.
 */
function checkFieldTypos(request: object, mode: ValidationMode, provider: string, model: string): string[] {
  const typos = fieldTypos(request);
  if (typos.length === 0) return [];
  const says = (t: { field: string; suggestion: string }) => `unknown field ${JSON.stringify(t.field)}; did you mean ${JSON.stringify(t.suggestion)}?`;
  if (mode === "strict") {
    throw new ValidationError(`Invalid request: ${typos.map(says).join("; ")} (fields the gateway does not know go in extraParams)`, {
      issues: typos.map((t) => ({ field: t.field, message: says(t), allowed: [t.suggestion] })),
      provider,
      model,
    });
  }
  return typos.map((t) => `${says(t)} It was passed to the provider as extraParams.${t.field}`);
}

export interface AttemptInput<R> {
  ctx: MockedContext;
  adapter: ProviderAdapter;
  call: PreparedCall<R>;
}

export interface ChainSpec<R, T> {
  kind: MediaKind;
  config: GenerationConfigInput;
  request: R;
  options: GenerateOptions;
  /** Run one attempt against a provider and build the response. */
  attempt: (input: AttemptInput<R>, metadata: () => ExecutionMetadata, requestId: string) => Promise<T>;
}

function withDefaults(core: GatewayCore, config: GenerationConfig): GenerationConfig {
  const d = core.options.defaults;
  // No gateway defaults: the parsed config already is the answer. Spreading it into a literal with five
  // more keys was the costliest own line of starting a call in the profile of 10,000 jobs (~4% of CPU).
  if (d === undefined) return config;
  return {
    ...config,
    timeoutMs: config.timeoutMs ?? d.timeoutMs,
    maxRetries: config.maxRetries ?? d.maxRetries,
    pollIntervalMs: config.pollIntervalMs ?? d.pollIntervalMs,
    maxPollAttempts: config.maxPollAttempts ?? d.maxPollAttempts,
    validation: config.validation ?? d.validation,
  };
}

/**
 * Run a request through its chain: each config with up to `maxRetries` retries of retryable errors
 * (exponential backoff, full jitter, Retry-After honoured up to a cap), then its fallbacks depth-first.
 * A non-retryable error stops everything. Every attempt is recorded, and the record travels on the
 * error too, so a caller can always see what was tried.
 */
export async function runChain<R extends NormalizedImageRequest | NormalizedVideoRequest, T>(
  core: GatewayCore,
  spec: ChainSpec<R, T>,
): Promise<T> {
  const requestId = newRequestId();
  const started = performance.now();
  const signal = spec.options.signal;
  const chain = flattenChain(parseConfig(spec.config)).map((c) => withDefaults(core, c));
  const attempts: AttemptRecord[] = [];
  const metadata = (successfulAttempt?: number): ExecutionMetadata => ({
    totalAttempts: attempts.length,
    successfulAttempt,
    fallbackTriggered: attempts.some((a) => a.configIndex > 0),
    configsInChain: chain.length,
    attempts: [...attempts],
  });
  const fail = (error: TarashError): TarashError => {
    error.requestId ??= requestId;
    error.executionMetadata = metadata();
    return error;
  };
  const report = progressReporter(core, spec.options.onProgress, requestId, started);

  let lastError: TarashError | undefined;
  for (let index = 0; index < chain.length; index++) {
    const config = chain[index]!;
    let call: PreparedCall<R>;
    try {
      call = prepare(core, config, spec.request, spec.kind);
    } catch (error) {
      const err = toTarashError(error);
      if (index === 0) throw fail(err);
      // A fallback that cannot take this request is skipped, and the attempt list says why.
      record(attempts, { index, provider: config.provider ?? "?", model: config.model ?? "?", error: err, startedAt: Date.now() });
      lastError = err;
      continue;
    }
    const maxRetries = config.maxRetries ?? DEFAULT_MAX_RETRIES;
    for (let retry = 0; retry <= maxRetries; retry++) {
      if (signal?.aborted) throw fail(stamp(new CancelledError("the request was cancelled"), { ...call, requestId }));
      const attemptNo = attempts.length + 1;
      const startedAt = Date.now();
      const warnings = [...call.warnings];
      const { signal: attemptSig, deadline, dispose } = attemptSignal(signal, config.timeoutMs, () => `${call.provider}/${call.model}`);
      try {
        const adapter = await core.registry.adapter(call.mocked ? "mock" : call.provider);
        const ctx = createContext({
          core,
          config,
          provider: call.provider,
          model: call.model,
          capability: call.capability,
          signal: attemptSig,
          deadline,
          requestId,
          attempt: attemptNo,
          progress: spec.options.onProgress ? (r) => report(r, call.provider, call.model, attemptNo) : undefined,
          warnings,
        });
        const pending = spec.attempt({ ctx, adapter, call: { ...call, warnings } }, () => metadata(attemptNo), requestId);
        const result = await raceAbort(pending, attemptSig, ABORT_GRACE_MS);
        record(attempts, { index, provider: call.provider, model: call.model, startedAt });
        // The response was built before this attempt was recorded; give it the final metadata.
        (result as { executionMetadata?: ExecutionMetadata }).executionMetadata = metadata(attemptNo);
        if (logsAt(core.logger, "info")) {
          core.logger.info(
            { requestId, provider: call.provider, model: call.model, ...(call.mocked ? { mock: true } : {}), attempts: attemptNo, ms: Math.round(performance.now() - started) },
            `${spec.kind} generated${call.mocked ? " (mock)" : ""}`,
          );
        }
        return result;
      } catch (error) {
        const err = stamp(toTarashError(error), { provider: call.provider, model: call.model, requestId });
        record(attempts, { index, provider: call.provider, model: call.model, error: err, startedAt });
        lastError = err;
        core.logger.warn(
          { requestId, provider: call.provider, model: call.model, attempt: attemptNo, error: err.name, status: err.statusCode },
          `attempt failed: ${err.message}`,
        );
        if (err instanceof CancelledError || signal?.aborted) throw fail(err);
        if (!err.retryable) {
          await report({ status: "failed", message: err.message }, call.provider, call.model, attemptNo);
          throw fail(err);
        }
        if (retry < maxRetries) {
          const delay = retryDelay(core, err, retry);
          await report(
            { status: "processing", message: `${err.name} from ${call.provider}; retrying in ${delay} ms` },
            call.provider,
            call.model,
            attemptNo,
          );
          try {
            await sleep(delay, signal);
          } catch (sleepError) {
            throw fail(toTarashError(sleepError));
          }
        }
      } finally {
        dispose();
      }
    }
    if (index + 1 < chain.length) {
      await report({ status: "processing", message: `falling back after ${lastError?.name ?? "failure"}` }, call.provider, call.model, attempts.length);
    }
  }
  const final = lastError ?? new TarashError("no configuration could run the request");
  await report({ status: "failed", message: final.message }, final.provider ?? "?", final.model ?? "?", attempts.length || 1);
  throw fail(final);
}

function retryDelay(core: GatewayCore, error: TarashError, retry: number): number {
  const r = core.options.retry ?? {};
  const cap = r.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
  // A 429 or a 503 may say when to come back; waiting less only earns another refusal.
  if (error instanceof HTTPError && error.retryAfterMs !== undefined) return Math.min(error.retryAfterMs, cap);
  return backoffDelay(retry, r.baseDelayMs ?? DEFAULT_RETRY_BASE_MS, r.maxDelayMs ?? DEFAULT_RETRY_MAX_MS);
}

function record(
  attempts: AttemptRecord[],
  a: { index: number; provider: string; model: string; error?: TarashError; startedAt: number },
): void {
  const ended = Date.now();
  attempts.push({
    attempt: attempts.length + 1,
    configIndex: a.index,
    provider: a.provider,
    model: a.model,
    status: !a.error ? "success" : a.error instanceof CancelledError ? "cancelled" : "failed",
    errorType: a.error?.name,
    errorMessage: a.error?.message,
    statusCode: a.error?.statusCode,
    startedAt: new Date(a.startedAt).toISOString(),
    endedAt: new Date(ended).toISOString(),
    durationMs: ended - a.startedAt,
  });
}

export function toTarashError(error: unknown): TarashError {
  if (error instanceof TarashError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // An exception that is not ours (a bug in an adapter, a user-registered provider that throws a
  // plain Error) must not block the fallbacks: that was one of the Python original's defects.
  return new GenerationFailedError(`unexpected error: ${message}`, { cause: error, transient: true });
}

/**
 * Progress delivery: validated at the boundary, awaited (async callbacks finish before the call
 * moves on), and isolated: a throwing callback is logged, never turned into a provider failure.
 */
export function progressReporter(
  core: GatewayCore,
  onProgress: GenerateOptions["onProgress"],
  requestId: string,
  started: number,
): (report: ProgressReport, provider: string, model: string, attempt: number) => Promise<void> {
  let last = "";
  return async (report, provider, model, attempt) => {
    if (!onProgress) return;
    // Parallel split calls report the same steps; pass each distinct state once.
    const key = JSON.stringify([provider, model, attempt, report]);
    if (key === last) return;
    last = key;
    const parsed = ProgressUpdateSchema.safeParse({
      requestId,
      provider,
      model,
      attempt,
      elapsedMs: Math.round(performance.now() - started),
      // Messages and logs come from the provider, and go to clients (job events): redacted like errors.
      ...Object.fromEntries(Object.entries(redact(report)).filter(([, v]) => v !== undefined)),
    });
    if (!parsed.success) {
      core.logger.warn({ requestId, issues: parsed.error.issues.map((i) => i.message) }, "dropped an invalid progress update");
      return;
    }
    try {
      await onProgress(parsed.data);
    } catch (error) {
      core.logger.warn({ requestId, error }, "onProgress callback threw; ignored");
    }
  };
}
