/* global document, sessionStorage, localStorage, fetch, FileReader, TextDecoderStream, URLSearchParams, AbortController, setTimeout */
// The gateway playground's Generate view and the page's key handling: plain ES module, no dependencies, no
// build step. It uses only the public API (/v1/models, /v1/jobs, /v1/jobs/{id}/events) with the user's key,
// exactly as any other client would. Other views live in their own modules (usage.js, …); see views.js.

import { $, AuthRequired, KEY_NAME, api, authHeaders, el, errorMessage, storedKey } from "./api.js";
import { openCodeDialog } from "./copy-code.js";
import { startViews, openView } from "./views.js";

const MODEL_NAME = "tarash.playground.model.";
const RECENT_LIMIT = 10;

// ---- State ------------------------------------------------------------------------------------------

const state = {
  models: [], // {value, label, name, group, kind, cap, price, submit}
  images: [], // {name, dataUrl}
  running: undefined, // {id, abort}
};

// ---- Auth -------------------------------------------------------------------------------------------

function showAuth(message) {
  $("app").hidden = true;
  $("views-nav").hidden = true;
  $("auth").hidden = false;
  $("key-status").hidden = true;
  $("auth-error").textContent = message ?? "";
  $("api-key").value = "";
  $("api-key").focus();
}

function showKeyStatus() {
  const remembered = localStorage.getItem(KEY_NAME) !== null;
  $("key-status").hidden = !storedKey();
  $("key-status-text").textContent = remembered ? "Using your API key (remembered on this device)." : "Using your API key (this tab only).";
}

$("auth-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const key = $("api-key").value.trim();
  if (!key) {
    $("auth-error").textContent = "Enter an API key.";
    $("api-key").focus();
    return;
  }
  sessionStorage.removeItem(KEY_NAME);
  localStorage.removeItem(KEY_NAME);
  ($("remember-key").checked ? localStorage : sessionStorage).setItem(KEY_NAME, key);
  void start();
});

// Another view's call was refused: ask for a key as a refused catalog call would.
document.addEventListener("playground:auth-required", (event) => showAuth(event.detail?.message));

$("forget-key").addEventListener("click", () => {
  sessionStorage.removeItem(KEY_NAME);
  localStorage.removeItem(KEY_NAME);
  void start();
});

// ---- Catalog and options ----------------------------------------------------------------------------

function formatPrice(price) {
  if (!price) return "price not listed";
  switch (price.unit) {
    case "image":
      return `$${price.usd} per image (list price)`;
    case "second":
      return `$${price.usd} per second (list price)`;
    case "megapixel":
      return `$${price.usd} per megapixel (list price)`;
    case "token":
      return `$${price.outputUsdPerMillion} per million output tokens (list price)`;
    default:
      return "price not listed";
  }
}

function buildModels(catalog) {
  const models = catalog.data.map((m) => ({
    value: `model:${m.id}`,
    // The id alone keeps the picker narrow and type-ahead friendly; the display name goes under it.
    label: m.id,
    name: m.capabilities.displayName,
    group: m.provider,
    kind: m.kind,
    cap: m.capabilities,
    price: m.price,
    submit: { model: m.id },
  }));
  const routes = [];
  for (const r of catalog.routes ?? []) {
    const target = catalog.data.find((m) => m.id === r.model || m.model === r.model || (m.capabilities.aliases ?? []).includes(r.model));
    if (!target) continue;
    const via = [r.model, ...r.fallbacks].join(" → ");
    // The chain as catalog ids, for "copy as code" (the library knows catalog ids, not the gateway's aliases).
    const resolve = (name) => catalog.data.find((m) => m.id === name || m.model === name || (m.capabilities.aliases ?? []).includes(name))?.id ?? name;
    const chain = [target.id, ...r.fallbacks.map(resolve)];
    routes.push({ value: `route:${r.id}`, label: `${r.id} (${via})`, group: "Routes", kind: target.kind, cap: target.capabilities, price: target.price, submit: { route: r.id }, chain });
  }
  return [...routes, ...models];
}

const kind = () => document.querySelector('input[name="kind"]:checked').value;
const selectedModel = () => state.models.find((m) => m.value === $("model").value);

/** Every term of the filter appears in the model's id, display name or provider (any order, any case). */
function matches(model, terms) {
  const text = `${model.label} ${model.name ?? ""} ${model.group}`.toLowerCase();
  return terms.every((t) => text.includes(t));
}

/**
 * Fill the picker with this kind's models that match the filter box. A filter that matches nothing leaves
 * the list as it was, so the form always has a model; the count line says what happened.
 */
function fillModelSelect({ fromFilter = false } = {}) {
  const select = $("model");
  const k = kind();
  const ofKind = state.models.filter((x) => x.kind === k);
  const query = $("model-search").value.trim();
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  let shown = terms.length ? ofKind.filter((m) => matches(m, terms)) : ofKind;
  const noun = `${k} model${ofKind.length === 1 ? "" : "s"}`;
  if (terms.length && shown.length === 0) {
    if (fromFilter) {
      $("model-count").textContent = `No ${k} model matches “${query}”; the list is unchanged.`;
      return;
    }
    // Another kind was chosen and the filter fits none of its models: show them all.
    $("model-search").value = "";
    terms.length = 0;
    shown = ofKind;
  }
  $("model-count").textContent = terms.length ? `${shown.length} of ${ofKind.length} ${noun} match “${query}”.` : "";
  const previous = select.value;
  select.replaceChildren();
  const groups = new Map();
  for (const m of shown) {
    if (!groups.has(m.group)) groups.set(m.group, el("optgroup", { label: m.group }));
    groups.get(m.group).append(el("option", { value: m.value, text: m.label }));
  }
  select.append(...groups.values());
  const offered = shown.map((m) => m.value);
  if (fromFilter) {
    // Filtering keeps the chosen model while it still matches, else takes the best match.
    select.value = offered.includes(previous) ? previous : offered[0];
    if (select.value !== previous) localStorage.setItem(MODEL_NAME + k, select.value);
  } else {
    // The last model used, else the operator's first route, else the offline mock model (free and always
    // there), so the first click on "Generate" never bills a provider the user did not choose.
    const remembered = localStorage.getItem(MODEL_NAME + k);
    const initial = [remembered, offered.find((v) => v.startsWith("route:")), `model:mock/mock-${k}`].find((v) => v && offered.includes(v));
    if (initial) select.value = initial;
  }
  select.disabled = groups.size === 0;
  if (!fromFilter || select.value !== previous) updateOptions();
}

function setChoices(select, values, defaultLabel) {
  select.replaceChildren(el("option", { value: "", text: defaultLabel }), ...values.map((v) => el("option", { value: String(v), text: String(v) })));
}

function showOption(name, visible) {
  document.querySelector(`[data-option="${name}"]`).hidden = !visible;
}

function updateOptions() {
  const m = selectedModel();
  const cap = m?.cap ?? {};
  const isImage = kind() === "image";
  $("model-info").textContent = m ? [m.name, formatPrice(m.price)].filter(Boolean).join(" · ") : `No ${kind()} models are configured on this gateway.`;
  $("submit").disabled = !m || Boolean(state.running);
  $("copy-code").disabled = !m;

  const sizes = isImage ? (cap.sizes ?? []) : [];
  setChoices($("opt-size"), sizes, "Default");
  showOption("size", sizes.length > 0);

  const constraints = isImage && sizes.length === 0 ? cap.sizeConstraints : undefined;
  showOption("customSize", Boolean(constraints));
  if (constraints) {
    const { minSide = 16, maxSide, multipleOf } = constraints;
    // Short enough for two lines in a narrow column, so the options stay above the fold.
    const sides = maxSide ? `${minSide}–${maxSide} px a side` : `at least ${minSide} px a side`;
    $("custom-size-hint").textContent = `${sides}${multipleOf ? `, multiple of ${multipleOf}` : ""}.`;
  }

  const simple = [
    ["aspectRatio", "opt-aspect", cap.aspectRatios ?? [], "Default"],
    ["quality", "opt-quality", isImage ? (cap.qualities ?? []) : [], cap.defaultQuality ? `Default (${cap.defaultQuality})` : "Default"],
    ["style", "opt-style", isImage ? (cap.styles ?? []) : [], "Default"],
    ["resolution", "opt-resolution", cap.resolutions ?? [], "Default"],
    ["duration", "opt-duration", isImage ? [] : (cap.durations ?? []), cap.defaultDuration ? `Default (${cap.defaultDuration} s)` : "Default"],
  ];
  for (const [name, id, values, label] of simple) {
    setChoices($(id), values, label);
    showOption(name, values.length > 0);
  }

  const range = !isImage && !(cap.durations ?? []).length ? cap.durationRange : undefined;
  showOption("durationRange", Boolean(range));
  if (range) Object.assign($("opt-duration-range"), { min: range.min, max: range.max, placeholder: `${range.min}–${range.max}`, value: "" });

  const maxN = Math.min(cap.maxN ?? 1, isImage ? 100 : 8);
  showOption("n", maxN > 1);
  Object.assign($("opt-n"), { max: maxN, value: "1" });
  document.querySelector('label[for="opt-n"]').textContent = `${isImage ? "Images" : "Videos"} (1–${maxN})`;

  showOption("seed", Boolean(cap.seed));
  showOption("negativePrompt", Boolean(cap.negativePrompt));

  const maxImages = cap.inputs?.maxImages ?? 0;
  showOption("images", maxImages > 0);
  $("images-hint").textContent = maxImages > 0 ? `Optional. Up to ${maxImages} image${maxImages > 1 ? "s" : ""} (PNG, JPEG, WebP or GIF); sent as data URLs.` : "";
  const types = cap.inputs?.imageTypes ?? [];
  const preferred = isImage ? "reference" : "first_frame";
  const ordered = types.includes(preferred) ? [preferred, ...types.filter((t) => t !== preferred)] : types;
  $("opt-image-type").replaceChildren(...ordered.map((t) => el("option", { value: t, text: t.replace(/_/g, " ") })));
  if (state.images.length > maxImages) state.images = state.images.slice(0, maxImages);
  renderPreviews();
}

for (const radio of document.querySelectorAll('input[name="kind"]')) radio.addEventListener("change", () => fillModelSelect());

$("model-search").addEventListener("input", () => fillModelSelect({ fromFilter: true }));
$("model-search").addEventListener("keydown", (event) => {
  if (event.key === "ArrowDown" || (event.key === "Enter" && !event.isComposing)) {
    // Down or Enter goes to the filtered list (Enter must not submit the form from here).
    event.preventDefault();
    $("model").focus();
  } else if (event.key === "Escape" && $("model-search").value) {
    event.preventDefault();
    $("model-search").value = "";
    fillModelSelect({ fromFilter: true });
  }
});
$("model").addEventListener("change", () => {
  localStorage.setItem(MODEL_NAME + kind(), $("model").value);
  updateOptions();
});

// ---- Reference images -------------------------------------------------------------------------------

const readDataUrl = (file) =>
  new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error(`could not read ${file.name}`));
    reader.readAsDataURL(file);
  });

function renderPreviews() {
  // "Use images as" matters only once there are images, and only when the model knows several roles.
  showOption("imageType", state.images.length > 0 && $("opt-image-type").options.length > 1);
  $("image-previews").replaceChildren(
    ...state.images.map((img, i) =>
      el(
        "li",
        {},
        el("img", { src: img.dataUrl, alt: "", width: 48, height: 48 }),
        el("span", { text: img.name }),
        el("button", {
          type: "button",
          class: "link",
          text: "Remove",
          "aria-label": `Remove ${img.name}`,
          onclick: () => {
            state.images.splice(i, 1);
            renderPreviews();
            $("opt-images").focus();
          },
        }),
      ),
    ),
  );
}

$("opt-images").addEventListener("change", async () => {
  const input = $("opt-images");
  const max = selectedModel()?.cap.inputs?.maxImages ?? 0;
  const files = [...input.files];
  input.value = "";
  $("form-error").textContent = "";
  const room = Math.max(0, max - state.images.length);
  if (files.length > room) $("form-error").textContent = `This model takes at most ${max} image${max > 1 ? "s" : ""}; extra files were left out.`;
  for (const file of files.slice(0, room)) {
    try {
      state.images.push({ name: file.name, dataUrl: await readDataUrl(file) });
    } catch (e) {
      $("form-error").textContent = e.message;
    }
  }
  renderPreviews();
});

// ---- Submit and progress ----------------------------------------------------------------------------

function buildRequest() {
  const isImage = kind() === "image";
  const visible = (name) => !document.querySelector(`[data-option="${name}"]`).hidden;
  const request = { prompt: $("prompt").value.trim() };
  const pick = (name, id, field, convert = (v) => v) => {
    const v = $(id).value.trim();
    if (visible(name) && v !== "") request[field] = convert(v);
  };
  pick("size", "opt-size", "size");
  pick("customSize", "opt-custom-size", "size", (v) => v.replace("×", "x").toLowerCase());
  pick("aspectRatio", "opt-aspect", "aspectRatio");
  pick("quality", "opt-quality", "quality");
  pick("style", "opt-style", "style");
  pick("resolution", "opt-resolution", "resolution");
  pick("duration", "opt-duration", "durationSeconds", Number);
  pick("durationRange", "opt-duration-range", "durationSeconds", Number);
  pick("seed", "opt-seed", "seed", Number);
  pick("negativePrompt", "opt-negative", "negativePrompt");
  if (visible("n")) {
    const n = Number($("opt-n").value);
    if (n > 1) request[isImage ? "n" : "numberOfVideos"] = n;
  }
  if (visible("images") && state.images.length > 0) {
    const type = $("opt-image-type").value || (isImage ? "reference" : "first_frame");
    request.imageList = state.images.map((img) => ({ image: img.dataUrl, type }));
  }
  return request;
}

function setRunning(job) {
  state.running = job;
  $("submit").disabled = Boolean(job) || !selectedModel();
  $("submit").textContent = job ? "Generating…" : "Generate";
  $("cancel").hidden = !job;
}

function log(text) {
  const time = new Date().toLocaleTimeString();
  $("log").append(el("li", { text: `${time} ${text}` }));
}

function describeProgress(p) {
  const parts = [];
  if (p.status === "queued") parts.push(p.queuePosition !== undefined ? `Queued at the provider (position ${p.queuePosition})` : "Queued at the provider");
  else if (p.status === "processing") parts.push(p.progressPercent !== undefined ? `Processing: ${Math.round(p.progressPercent)}%` : "Processing");
  else parts.push(p.status);
  if (p.provider) parts.push(`on ${p.provider}/${p.model}${p.attempt > 1 ? ` (attempt ${p.attempt})` : ""}`);
  if (p.message) parts.push(`— ${p.message}`);
  return parts.join(" ");
}

function setProgress(text, percent) {
  $("progress").textContent = text;
  const bar = $("progress-bar");
  if (percent === undefined) bar.removeAttribute("value");
  else bar.value = percent;
}

function onEvent(type, data) {
  switch (type) {
    case "queued":
      setProgress("Queued on the gateway", undefined);
      log("queued");
      break;
    case "started":
      setProgress("Started", undefined);
      log("started");
      break;
    case "progress": {
      const text = describeProgress(data.progress);
      setProgress(text, data.progress.progressPercent);
      log(text);
      break;
    }
    case "completed":
      setProgress("Completed", 100);
      log("completed");
      renderResult(data.result);
      break;
    case "failed":
    case "cancelled":
      setProgress(`${type === "failed" ? "Failed" : "Cancelled"}: ${data.error?.message ?? "no reason given"}`, 0);
      log(`${type}: ${data.error?.type ?? ""} ${data.error?.message ?? ""}`.trim());
      break;
  }
}

/** Read the job's SSE stream with fetch (EventSource cannot send the Authorization header). */
async function follow(id, signal) {
  let lastId = 0;
  let terminal = false;
  for (let attempt = 0; attempt < 5 && !terminal && !signal.aborted; attempt++) {
    try {
      const res = await fetch(`v1/jobs/${encodeURIComponent(id)}/events`, {
        headers: { accept: "text/event-stream", ...authHeaders(), ...(lastId ? { "last-event-id": String(lastId) } : {}) },
        signal,
      });
      if (res.status === 401) throw new AuthRequired(await errorMessage(res));
      if (!res.ok || !res.body) throw new Error(await errorMessage(res));
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, "\n");
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const fields = { event: "message", data: "" };
          for (const line of block.split("\n")) {
            const at = line.indexOf(":");
            if (at <= 0) continue;
            const name = line.slice(0, at);
            const val = line.slice(at + 1).replace(/^ /, "");
            if (name === "data") fields.data += (fields.data ? "\n" : "") + val;
            else fields[name] = val;
          }
          if (fields.id) lastId = Number(fields.id) || lastId;
          if (!fields.data) continue;
          onEvent(fields.event, JSON.parse(fields.data));
          if (["completed", "failed", "cancelled"].includes(fields.event)) terminal = true;
        }
      }
    } catch (e) {
      if (e instanceof AuthRequired || signal.aborted) throw e;
      log(`stream interrupted (${e.message}); reconnecting`);
      await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
    }
  }
  if (!terminal && !signal.aborted) {
    const job = await api(`v1/jobs/${encodeURIComponent(id)}`);
    if (job.status === "completed") onEvent("completed", { result: job.result });
    else if (job.status === "failed" || job.status === "cancelled") onEvent(job.status, { error: job.error });
    else setProgress(`The progress stream was lost; the job is ${job.status}. See “Recent jobs”.`, undefined);
  }
}

function resetResult() {
  $("outputs").replaceChildren();
  $("meta").replaceChildren();
  $("meta").hidden = true;
  $("warnings").hidden = true;
  $("warning-list").replaceChildren();
  $("log").replaceChildren();
  $("result-empty").hidden = true;
  $("progress-box").hidden = false;
}

$("generate-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (state.running) return;
  $("form-error").textContent = "";
  const model = selectedModel();
  if (!model) return;
  if (!$("prompt").value.trim()) {
    $("form-error").textContent = "Write a prompt first.";
    $("prompt").focus();
    return;
  }
  const customSize = $("opt-custom-size");
  if (!document.querySelector('[data-option="customSize"]').hidden && customSize.value && !/^\d{2,5}\s*[x×]\s*\d{2,5}$/i.test(customSize.value.trim())) {
    $("form-error").textContent = "Size must look like 1024x1024.";
    customSize.focus();
    return;
  }
  const body = { kind: kind(), ...model.submit, request: buildRequest() };
  const abort = new AbortController();
  setRunning({ id: undefined, abort });
  resetResult();
  setProgress("Submitting…", undefined);
  try {
    const job = await api("v1/jobs", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    state.running.id = job.id;
    log(`job ${job.id} accepted`);
    void loadRecent();
    await follow(job.id, abort.signal);
  } catch (e) {
    if (e instanceof AuthRequired) return showAuth(e.message);
    if (!abort.signal.aborted) {
      setProgress(`Error: ${e.message}`, 0);
      $("form-error").textContent = e.message;
    }
  } finally {
    setRunning(undefined);
    void loadRecent();
  }
});

$("prompt").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey && !event.isComposing) {
    event.preventDefault();
    $("generate-form").requestSubmit();
  }
});

$("cancel").addEventListener("click", async () => {
  const job = state.running;
  if (!job?.id) return;
  $("cancel").disabled = true;
  try {
    await api(`v1/jobs/${encodeURIComponent(job.id)}`, { method: "DELETE" });
  } catch (e) {
    $("form-error").textContent = `Could not cancel: ${e.message}`;
  } finally {
    $("cancel").disabled = false;
    $("prompt").focus();
  }
});

// ---- Results ----------------------------------------------------------------------------------------

function formatCost(cost) {
  if (!cost) return "not reported";
  // A mocked call bills nothing; what the mocked model would cost is shown apart, never as the cost.
  if (cost.basis === "mock") {
    const real = typeof cost.estimatedRealUsd === "number" && cost.estimatedRealUsd > 0 ? `; the real model: about $${cost.estimatedRealUsd.toFixed(4)}` : "";
    return `$0.0000 (mock, nothing billed${real})`;
  }
  const basis = cost.basis.replace(/_/g, " ");
  return `$${cost.amountUsd.toFixed(4)} (${cost.estimated ? "estimated, " : ""}${basis})`;
}

function renderResult(result) {
  $("result-empty").hidden = true;
  const outputs = $("outputs");
  outputs.replaceChildren();
  const images = result.images ?? [];
  const videos = result.videos ?? (result.video ? [result.video] : []);
  images.forEach((img, i) => {
    const dims = img.width && img.height ? `${img.width}×${img.height}` : "";
    outputs.append(
      el(
        "figure",
        {},
        el("a", { href: img.url, target: "_blank", rel: "noopener" }, el("img", { src: img.url, alt: `Generated image ${i + 1}${dims ? `, ${dims}` : ""}`, width: img.width, height: img.height })),
        el("figcaption", { text: [dims, img.mediaType].filter(Boolean).join(" · ") }),
      ),
    );
  });
  videos.forEach((v, i) => {
    outputs.append(
      el(
        "figure",
        {},
        el("video", { src: v.url, controls: true, playsInline: true, preload: "metadata", "aria-label": `Generated video ${i + 1}` }),
        el("figcaption", {}, el("a", { href: v.url, target: "_blank", rel: "noopener", text: `Open video ${i + 1}` }), ` · ${[v.durationSeconds ? `${v.durationSeconds} s` : "", v.mediaType].filter(Boolean).join(" · ")}`),
      ),
    );
  });

  const meta = $("meta");
  const row = (term, ...desc) => meta.append(el("dt", { text: term }), el("dd", {}, ...desc));
  meta.replaceChildren();
  row("Provider", `${result.provider}${result.isMock ? " (mock run)" : ""}`);
  row("Model", result.model);
  row("Cost", formatCost(result.cost));
  const em = result.executionMetadata;
  if (em) {
    row("Attempts", String(em.totalAttempts));
    const failed = (em.attempts ?? []).filter((a) => a.status !== "success");
    if (em.fallbackTriggered || failed.length) {
      row(
        "Fallbacks taken",
        el(
          "ul",
          { class: "plain" },
          ...(em.attempts ?? []).map((a) =>
            el("li", { text: `${a.provider}/${a.model}: ${a.status}${a.errorType ? ` (${a.errorType}${a.errorMessage ? `: ${a.errorMessage}` : ""})` : ""}, ${a.durationMs} ms` }),
          ),
        ),
      );
    } else row("Fallbacks taken", "none");
  }
  if (result.usage && Object.keys(result.usage).length) row("Usage", Object.entries(result.usage).map(([k, v]) => `${k}: ${v}`).join(", "));
  if (result.revisedPrompt) row("Revised prompt", result.revisedPrompt);
  row("Request id", el("code", { text: result.requestId ?? "" }));
  meta.hidden = false;

  const warnings = result.warnings ?? [];
  $("warnings").hidden = warnings.length === 0;
  $("warning-list").replaceChildren(...warnings.map((w) => el("li", { text: w })));
}

// ---- Recent jobs ------------------------------------------------------------------------------------

async function loadRecent() {
  let list;
  try {
    list = await api(`v1/jobs?${new URLSearchParams({ limit: String(RECENT_LIMIT) })}`);
  } catch (e) {
    if (e instanceof AuthRequired) return showAuth(e.message);
    $("recent-empty").hidden = false;
    $("recent-empty").textContent = `Could not load recent jobs: ${e.message}`;
    return;
  }
  const jobs = list.data ?? [];
  $("recent").hidden = jobs.length === 0;
  $("recent-empty").hidden = jobs.length > 0;
  $("recent-empty").textContent = "No jobs yet.";
  $("recent-body").replaceChildren(
    ...jobs.map((job) => {
      const r = job.result;
      const created = new Date(job.created_at);
      const thumb = r?.images?.[0]
        ? el("img", { src: r.images[0].url, alt: "", width: 40, height: 40, class: "thumb" })
        : r?.videos?.length || r?.video
          ? el("span", { text: "video" })
          : el("span", { text: "—" });
      const open = el("button", {
        type: "button",
        class: "link",
        text: "Show",
        "aria-label": `Show job ${job.id}`,
        onclick: () => showJob(job.id),
      });
      return el(
        "tr",
        {},
        // data-label names the column where a phone shows each row as a card (playground.css, table.cards).
        el("td", { "data-label": "Created" }, el("time", { datetime: job.created_at, text: created.toLocaleString() })),
        el("td", { "data-label": "Kind", text: job.kind }),
        el("td", { "data-label": "Status" }, el("span", { class: `badge ${job.status}`, text: job.status })),
        el("td", { "data-label": "Provider / model", text: r ? `${r.provider}/${r.model}` : "—" }),
        el("td", { "data-label": "Cost", text: r ? formatCost(r.cost) : "—" }),
        el("td", { "data-label": "Preview" }, thumb),
        el("td", { class: "row-actions" }, open),
      );
    }),
  );
}

async function showJob(id) {
  try {
    const job = await api(`v1/jobs/${encodeURIComponent(id)}`);
    resetResult();
    log(`job ${job.id}: ${job.status}`);
    if (job.status === "completed") {
      setProgress(`Job ${job.id} completed`, 100);
      renderResult(job.result);
    } else if (job.error) setProgress(`Job ${job.id} ${job.status}: ${job.error.message}`, 0);
    else setProgress(`Job ${job.id} is ${job.status}${job.progress ? `: ${describeProgress(job.progress)}` : ""}`, job.progress?.progressPercent);
    openView("generate");
    $("result-title").scrollIntoView({ block: "start" });
  } catch (e) {
    if (e instanceof AuthRequired) return showAuth(e.message);
    $("form-error").textContent = e.message;
  }
}

$("refresh-jobs").addEventListener("click", () => void loadRecent());

// ---- Start ------------------------------------------------------------------------------------------

async function start() {
  let catalog;
  try {
    catalog = await api("v1/models");
  } catch (e) {
    if (e instanceof AuthRequired) {
      const hadKey = Boolean(storedKey());
      sessionStorage.removeItem(KEY_NAME);
      localStorage.removeItem(KEY_NAME);
      return showAuth(hadKey ? `The key was refused: ${e.message}` : "");
    }
    $("app").hidden = false;
    $("form-error").textContent = `Could not load the model catalog: ${e.message}`;
    return;
  }
  const wasAuth = !$("auth").hidden;
  $("auth").hidden = true;
  $("app").hidden = false;
  $("views-nav").hidden = false;
  showKeyStatus();
  state.models = buildModels(catalog);
  fillModelSelect();
  startViews();
  if (wasAuth && !$("prompt").closest("[data-view]").hidden) $("prompt").focus();
  void loadRecent();
}

// ---- Copy as code -----------------------------------------------------------------------------------

$("copy-code").addEventListener("click", () => {
  const model = selectedModel();
  if (!model) return;
  openCodeDialog({ kind: kind(), target: model, request: buildRequest(), authenticated: Boolean(storedKey()) });
});

void start();
