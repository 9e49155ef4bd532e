/* global document, sessionStorage, localStorage, fetch, URLSearchParams, setTimeout, clearTimeout */
// The playground's asset gallery: the caller's stored images and videos (GET /v1/assets) as a grid, with
// kind and model filters, "Load more" paging and delete (DELETE /v1/assets/{id}). A module of its own: it
// builds its section inside the page's #app (shown and hidden with it) and needs nothing from
// playground.js but the stored API key, which it reads the same way.

const KEY_NAME = "tarash.playground.apiKey";
const PAGE = 24;
/** A delete asks for a second click within this long. */
const CONFIRM_MS = 5_000;

const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c !== undefined && c !== null) node.append(c);
  return node;
};

function authHeaders() {
  const key = sessionStorage.getItem(KEY_NAME) ?? localStorage.getItem(KEY_NAME) ?? "";
  return key ? { authorization: `Bearer ${key}` } : {};
}

async function request(path, init = {}) {
  const res = await fetch(path, { ...init, headers: { accept: "application/json", ...authHeaders(), ...init.headers } });
  if (res.ok) return res.status === 204 ? undefined : res.json();
  let message = `HTTP ${res.status}`;
  try {
    const e = (await res.json()).error ?? {};
    message = `${e.message ?? message}${e.param ? ` (${e.param})` : ""}`;
  } catch {
    // Not JSON: the status says enough.
  }
  throw new Error(message);
}

const money = (usd) => (usd === null || usd === undefined ? "—" : `$${usd < 0.01 && usd > 0 ? usd.toFixed(4) : usd.toFixed(2)}`);
const when = (iso) => new Date(iso).toLocaleString();

function build() {
  const section = el(
    "section",
    { id: "assets", class: "card span gallery", "aria-labelledby": "assets-title", tabindex: "-1", "data-view": "assets", hidden: true },
    el("div", { class: "row" }, el("h2", { id: "assets-title", text: "Assets" }), el("button", { type: "button", id: "assets-refresh", text: "Refresh" })),
    el(
      "form",
      { id: "assets-filters", class: "gallery-filters", role: "search", "aria-label": "Filter assets" },
      el(
        "div",
        { class: "field" },
        el("label", { for: "assets-kind", text: "Kind" }),
        el("select", { id: "assets-kind", name: "kind" }, el("option", { value: "", text: "All" }), el("option", { value: "image", text: "Images" }), el("option", { value: "video", text: "Videos" })),
      ),
      el(
        "div",
        { class: "field" },
        el("label", { for: "assets-model", text: "Model" }),
        el("input", { id: "assets-model", name: "model", type: "search", list: "assets-models", placeholder: "All models", autocomplete: "off", spellcheck: "false" }),
        el("datalist", { id: "assets-models" }),
      ),
    ),
    el("p", { id: "assets-status", class: "hint", role: "status", "aria-live": "polite" }),
    el("ul", { id: "assets-grid", class: "gallery-grid", "aria-label": "Stored assets, newest first" }),
    el("button", { type: "button", id: "assets-more", hidden: true, text: "Load more" }),
  );
  return section;
}

function tile(asset, onDelete) {
  const label = `${asset.kind} by ${asset.provider}/${asset.model}: ${asset.prompt ?? "no prompt"}`;
  const media =
    asset.kind === "video"
      ? el("video", { src: asset.url, controls: true, preload: "metadata", "aria-label": label })
      : el("img", { src: asset.url, alt: asset.prompt ?? "", loading: "lazy" });
  const remove = el("button", { type: "button", class: "gallery-delete", "aria-label": `Delete ${label}`, text: "Delete" });
  let armed;
  remove.addEventListener("click", () => {
    if (!armed) {
      // A delete removes the stored file for good: the first click only arms the button.
      remove.textContent = "Confirm delete";
      remove.classList.add("armed");
      armed = setTimeout(() => {
        armed = undefined;
        remove.textContent = "Delete";
        remove.classList.remove("armed");
      }, CONFIRM_MS);
      return;
    }
    clearTimeout(armed);
    armed = undefined;
    remove.disabled = true;
    void onDelete(asset, item, remove);
  });
  const item = el(
    "li",
    { class: "gallery-item", "data-id": asset.id, "data-kind": asset.kind },
    el("a", { href: asset.url, target: "_blank", rel: "noopener", class: "gallery-media" }, media),
    el(
      "div",
      { class: "gallery-meta" },
      el("p", { class: "gallery-model", text: `${asset.provider}/${asset.model}` }),
      el("p", { class: "gallery-prompt", text: asset.prompt ?? "" }),
      el("p", { class: "hint", text: `${when(asset.created_at)} · ${money(asset.cost_usd)}${asset.width && asset.height ? ` · ${asset.width}×${asset.height}` : ""}` }),
      remove,
    ),
  );
  return item;
}

function start() {
  const app = document.getElementById("app");
  const section = build();
  (app ?? document.querySelector("main") ?? document.body).append(section);
  const $ = (id) => document.getElementById(id);
  const grid = $("assets-grid");
  const status = $("assets-status");
  const more = $("assets-more");
  let cursor = null;
  let generation = 0;
  let modelsLoaded = false;

  const query = () => {
    const params = new URLSearchParams({ limit: String(PAGE) });
    const kind = $("assets-kind").value;
    const model = $("assets-model").value.trim();
    if (kind) params.set("kind", kind);
    if (model) params.set("model", model);
    return params;
  };

  async function loadModels() {
    if (modelsLoaded) return;
    modelsLoaded = true;
    try {
      const list = await request("v1/models");
      const options = $("assets-models");
      for (const m of list.data ?? []) options.append(el("option", { value: m.id }));
    } catch {
      // Suggestions only: the filter works without them.
      modelsLoaded = false;
    }
  }

  async function onDelete(asset, item, button) {
    try {
      await request(`v1/assets/${encodeURIComponent(asset.id)}`, { method: "DELETE" });
      item.remove();
      status.textContent = `Deleted the ${asset.kind} by ${asset.model}.`;
      if (!grid.children.length && !cursor) status.textContent += " No assets left with these filters.";
    } catch (error) {
      button.disabled = false;
      button.textContent = "Delete";
      button.classList.remove("armed");
      status.textContent = `Could not delete: ${error.message}`;
    }
  }

  async function load(reset) {
    const mine = reset ? ++generation : generation;
    if (reset) cursor = null;
    const params = query();
    if (!reset && cursor) params.set("cursor", cursor);
    status.textContent = "Loading assets…";
    more.disabled = true;
    try {
      const page = await request(`v1/assets?${params}`);
      // A newer load (the filters changed meanwhile) owns the grid now.
      if (mine !== generation) return;
      if (reset) grid.replaceChildren();
      for (const asset of page.data) grid.append(tile(asset, onDelete));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      status.textContent = grid.children.length ? `${grid.children.length} asset${grid.children.length === 1 ? "" : "s"}${cursor ? " (more below)" : ""}.` : "No assets yet: stored outputs of your generations and jobs appear here.";
    } catch (error) {
      if (mine === generation) status.textContent = `Could not load assets: ${error.message}`;
    } finally {
      more.disabled = false;
    }
  }

  const refresh = () => {
    void loadModels();
    void load(true);
  };
  $("assets-refresh").addEventListener("click", refresh);
  $("assets-kind").addEventListener("change", () => void load(true));
  $("assets-model").addEventListener("change", () => void load(true));
  $("assets-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    void load(true);
  });
  more.addEventListener("click", () => void load(false));

  // A view of the page (views.js): its data loads each time the view is opened.
  document.addEventListener("playground:view", (event) => {
    if (event.detail.view === "assets") refresh();
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
