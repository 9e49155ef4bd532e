/* global document, localStorage, navigator, window, URL */
// "Copy as code": the Generate form as a curl script against this gateway (the same POST /v1/jobs the page
// sends, then its event stream) and as TypeScript calling the `tarash-gateway` library directly, exactly
// as the README documents generateImage / generateVideo. The code never holds the user's key.

import { $ } from "./api.js";

const LANG_NAME = "tarash.playground.codeLang";

/** A string as one shell word in single quotes ('it'\''s'). */
export const shellQuote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/**
 * A shell script: submit the job (its JSON on stdin, so no character of the prompt needs escaping), then
 * print its Server-Sent Events until it finishes. The gateway's answer to the submit starts with the job id.
 */
export function curlSnippet({ baseUrl, body, authenticated }) {
  const auth = authenticated ? ` \\\n  -H "authorization: Bearer $TARASH_API_KEY"` : "";
  const json = JSON.stringify(body, null, 2);
  return [
    ...(authenticated ? ["# Set TARASH_API_KEY to your gateway API key first."] : []),
    "# Submits the job (202 with the job), then prints its events until it finishes.",
    `BASE=${shellQuote(baseUrl.replace(/\/+$/, ""))}`,
    `if JOB=$(curl -sS --fail-with-body "$BASE/v1/jobs"${auth} \\`,
    "  -H 'content-type: application/json' --data-binary @- <<'JSON'",
    json,
    "JSON",
    "); then",
    `  ID=$(printf '%s' "$JOB" | sed -n 's/^{"id":"\\([^"]*\\)".*/\\1/p')`,
    `  curl -sSN "$BASE/v1/jobs/$ID/events"${auth.replace(/\n {2}/, "\n    ")}`,
    "else",
    `  printf '%s\\n' "$JOB" >&2`,
    "fi",
    "",
  ].join("\n");
}

/** JSON as a TypeScript literal: identifier keys unquoted, indented under `indent`. */
function tsLiteral(value, indent) {
  return JSON.stringify(value, null, 2)
    .replace(/^(\s*)"([A-Za-z_$][\w$]*)":/gm, "$1$2:")
    .split("\n")
    .join(`\n${indent}`);
}

/**
 * TypeScript for the library. A gateway route becomes its chain of catalog models (primary, then fallbacks);
 * the route's retries, timeouts and mock settings are the gateway's and are not repeated here.
 */
export function typescriptSnippet({ kind, target, request }) {
  const fn = kind === "video" ? "generateVideo" : "generateImage";
  const chain = target.chain ?? [target.submit.model];
  const config = { model: chain[0], ...(chain.length > 1 ? { fallbacks: chain.slice(1).map((model) => ({ model })) } : {}) };
  const offline = chain.every((m) => m.startsWith("mock/"));
  const lines = [`import { ${fn} } from "tarash-gateway";`, ""];
  if (target.chain) lines.push(`// The gateway route "${target.submit.route}": ${chain.join(", then ")}.`);
  lines.push(
    offline
      ? "// The mock provider runs offline: no key, no network."
      : "// The library calls the provider from your process, with the key from its environment variable (OPENAI_API_KEY, FAL_KEY, …).",
    `const response = await ${fn}(`,
    `  ${tsLiteral(config, "  ")},`,
    `  ${tsLiteral(request, "  ")},`,
    ");",
    kind === "video" ? "for (const video of response.videos) console.log(video.url);" : "for (const image of response.images) console.log(image.url);",
    "console.log(`${response.provider}/${response.model}, cost: ${response.cost?.amountUsd ?? \"not reported\"} USD`);",
    "",
  );
  return lines.join("\n");
}

let current = { curl: "", ts: "" };

function showLang(lang) {
  for (const b of document.querySelectorAll("#code-dialog [data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === lang));
  $("code-text").textContent = current[lang];
  $("code-text").dataset.lang = lang;
  $("code-hint").textContent =
    lang === "curl"
      ? "A shell script: submits this job to the gateway and prints its progress events until the result."
      : "TypeScript for your own code (npm install tarash-gateway): the same request, run by the library.";
  $("code-status").textContent = "";
  localStorage.setItem(LANG_NAME, lang);
}

/** Open the dialog for the form as it is now. `target` is the picker's entry (model or route). */
export function openCodeDialog({ kind, target, request, authenticated }) {
  const baseUrl = new URL(".", document.baseURI).href;
  const body = { kind, ...target.submit, request };
  current = { curl: curlSnippet({ baseUrl, body, authenticated }), ts: typescriptSnippet({ kind, target, request }) };
  const saved = localStorage.getItem(LANG_NAME);
  showLang(saved === "ts" ? "ts" : "curl");
  $("code-dialog").showModal();
  $(`code-lang-${$("code-text").dataset.lang}`).focus();
}

for (const b of document.querySelectorAll("#code-dialog [data-lang]")) b.addEventListener("click", () => showLang(b.dataset.lang));

$("code-close").addEventListener("click", () => $("code-dialog").close());

$("code-copy").addEventListener("click", async () => {
  const text = $("code-text").textContent;
  try {
    await navigator.clipboard.writeText(text);
    $("code-status").textContent = "Copied to the clipboard.";
  } catch {
    // No clipboard access (plain http to another host, or denied): select the code for Ctrl+C instead.
    const range = document.createRange();
    range.selectNodeContents($("code-text"));
    window.getSelection()?.removeAllRanges();
    window.getSelection()?.addRange(range);
    $("code-text").focus();
    $("code-status").textContent = "The browser did not allow copying; the code is selected: press Ctrl+C (⌘C).";
  }
});
