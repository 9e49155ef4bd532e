/* global document, sessionStorage, localStorage, fetch, CustomEvent */
// What every view of the playground shares: DOM helpers, the stored API key and calls to the public API.
// Views live in their own modules (playground.js: Generate and recent jobs, usage.js: Usage, …) and import
// from here, so adding a view never means editing another view's file.

export const KEY_NAME = "tarash.playground.apiKey";

export const $ = (id) => document.getElementById(id);

export const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k in node && typeof v !== "string") node[k] = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c !== undefined && c !== null) node.append(c);
  return node;
};

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element (attributes only; `text` sets its text content). */
export const svg = (tag, attrs = {}, ...children) => {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== undefined && c !== null) node.append(c);
  return node;
};

export class AuthRequired extends Error {}

export const storedKey = () => sessionStorage.getItem(KEY_NAME) ?? localStorage.getItem(KEY_NAME) ?? "";

export function authHeaders() {
  const key = storedKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

export async function errorMessage(res) {
  try {
    const body = await res.json();
    const e = body.error ?? {};
    const where = e.param ? ` (${e.param})` : "";
    const retry = res.headers.get("retry-after");
    return `${e.message ?? `HTTP ${res.status}`}${where}${retry ? `; try again in ${retry} s` : ""}`;
  } catch {
    return `HTTP ${res.status} ${res.statusText}`;
  }
}

export async function api(path, init = {}) {
  const res = await fetch(path, { ...init, headers: { accept: "application/json", ...authHeaders(), ...init.headers } });
  if (res.status === 401) throw new AuthRequired(await errorMessage(res));
  if (!res.ok) throw Object.assign(new Error(await errorMessage(res)), { status: res.status });
  return res.json();
}

/** A view whose call was refused asks playground.js (which owns the key form) to ask for a key again. */
export function requireAuth(message) {
  document.dispatchEvent(new CustomEvent("playground:auth-required", { detail: { message } }));
}
