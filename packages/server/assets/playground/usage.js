/* global document, URLSearchParams */
// The Usage view: spend per day as a hand-drawn SVG bar chart, with totals by model, from the gateway's
// usage ledger (GET /v1/usage?group_by=day and group_by=model) for the caller's tenant. The chart has a
// title and description for screen readers and the same figures as a table.

import { $, AuthRequired, api, el, requireAuth, svg } from "./api.js";

const DAY_MS = 24 * 3600 * 1000;
/** The widest range the gateway answers (packages/server/src/server/routes/usage.ts); the chart has a bar per day. */
const MAX_DAYS = 366;

const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (day) => Date.parse(`${day}T00:00:00Z`);

/** Dollars with as many decimals as small amounts need ($0.0032, $1.25, $1,204). */
export function formatUsd(v) {
  if (v === 0) return "$0";
  const digits = v >= 100 ? 0 : v >= 1 ? 2 : 4;
  return `$${v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

/** Every day from `from` to `to` (inclusive), with the ledger's figures or zeros. */
function fillDays(from, to, groups) {
  const byDay = new Map(groups.map((g) => [g.key, g]));
  const days = [];
  for (let t = dayMs(from); t <= dayMs(to) && days.length < MAX_DAYS; t += DAY_MS) {
    const day = isoDay(t);
    const g = byDay.get(day);
    days.push({ day, spend: g?.spend_usd ?? 0, attempts: g?.attempts ?? 0, failed: g?.failed ?? 0, mock: g?.mock_attempts ?? 0 });
  }
  return days;
}

/** A step for the y axis giving 2–5 gridlines: 1, 2 or 5 times a power of ten. */
function niceStep(max) {
  const raw = max / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => max / s <= 5) ?? 10 * power;
}

/** The bar chart as an SVG element (scales with its container through viewBox). */
function chart(days, { from, to, total }) {
  const W = 720;
  const H = 240;
  const pad = { left: 64, right: 12, top: 12, bottom: 28 };
  const plotW = W - pad.left - pad.right;
  const plotH = H - pad.top - pad.bottom;
  const max = Math.max(...days.map((d) => d.spend));
  const step = max > 0 ? niceStep(max) : 1;
  const top = max > 0 ? Math.ceil(max / step) * step : 1;
  const y = (v) => pad.top + plotH - (v / top) * plotH;
  const slot = plotW / days.length;
  const barW = Math.max(1, slot * 0.7);
  const busiest = days.reduce((a, b) => (b.spend > a.spend ? b : a), days[0]);

  const title = `Spend per day, ${from} to ${to}`;
  const desc =
    max > 0
      ? `Bar chart of ${days.length} days; total ${formatUsd(total)}; highest ${formatUsd(busiest.spend)} on ${busiest.day}.`
      : `Bar chart of ${days.length} days; nothing was billed in this period.`;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": "usage-chart-title usage-chart-desc", class: "usage-svg", preserveAspectRatio: "xMidYMid meet" });
  root.append(svg("title", { id: "usage-chart-title", text: title }), svg("desc", { id: "usage-chart-desc", text: desc }));

  const grid = svg("g", { class: "grid", "aria-hidden": "true" });
  for (let v = 0; v <= top + step / 2; v += step) {
    const yy = y(v);
    grid.append(
      svg("line", { x1: pad.left, x2: W - pad.right, y1: yy, y2: yy }),
      svg("text", { x: pad.left - 6, y: yy + 4, "text-anchor": "end", text: max > 0 ? formatUsd(Math.round(v * 1e6) / 1e6) : v === 0 ? "$0" : "" }),
    );
  }
  root.append(grid);

  const bars = svg("g", { class: "bars" });
  days.forEach((d, i) => {
    const x = pad.left + i * slot + (slot - barW) / 2;
    const h = Math.max(0, y(0) - y(d.spend));
    bars.append(
      svg(
        "rect",
        { x: x.toFixed(2), y: (y(0) - h).toFixed(2), width: barW.toFixed(2), height: h.toFixed(2), "data-day": d.day, "data-spend": d.spend },
        svg("title", { text: `${d.day}: ${formatUsd(d.spend)}, ${d.attempts} attempt${d.attempts === 1 ? "" : "s"}` }),
      ),
    );
  });
  root.append(bars);

  // About six day labels, whatever the range (first and last always).
  const labels = svg("g", { class: "axis", "aria-hidden": "true" });
  const every = Math.max(1, Math.ceil(days.length / 6));
  const last = days.length - 1;
  days.forEach((d, i) => {
    const labelled = i % every === 0 || (i === last && last % every > every / 2);
    if (!labelled) return;
    const x = pad.left + i * slot + slot / 2;
    labels.append(svg("text", { x: x.toFixed(2), y: H - 8, "text-anchor": "middle", text: d.day.slice(5) }));
  });
  root.append(labels);
  return root;
}

function renderTotals(t) {
  const items = [
    ["Spend", formatUsd(t.spend_usd)],
    ["Attempts", `${t.attempts} (${t.failed} failed)`],
    ["Images", String(t.images)],
    ["Video", `${t.video_seconds} s`],
  ];
  if (t.mock_attempts) items.push(["Mock runs", `${t.mock_attempts}, not billed`]);
  $("usage-totals").replaceChildren(...items.map(([k, v]) => el("div", {}, el("dt", { text: k }), el("dd", { text: v }))));
}

const cell = (label, text) => el("td", { "data-label": label, text });

function renderModels(groups) {
  const rows = [...groups].sort((a, b) => b.spend_usd - a.spend_usd || b.attempts - a.attempts || a.key.localeCompare(b.key));
  $("usage-models-body").replaceChildren(
    ...rows.map((g) => {
      const outputs = [g.images ? `${g.images} image${g.images === 1 ? "" : "s"}` : "", g.video_seconds ? `${g.video_seconds} s video` : ""].filter(Boolean).join(", ") || "—";
      return el(
        "tr",
        {},
        el("th", { scope: "row", "data-label": "Model", text: g.key }),
        cell("Attempts", String(g.attempts)),
        cell("Failed", String(g.failed)),
        cell("Outputs", outputs),
        cell("Spend", g.mock_attempts === g.attempts && g.spend_usd === 0 ? "$0 (mock)" : formatUsd(g.spend_usd)),
      );
    }),
  );
}

let loading = 0;

async function load() {
  const from = $("usage-from").value;
  const to = $("usage-to").value;
  $("usage-error").textContent = "";
  if (!from || !to) {
    $("usage-error").textContent = "Choose both dates.";
    return;
  }
  const ticket = ++loading;
  $("usage-status").textContent = "Loading usage…";
  $("usage-show").disabled = true;
  const query = (group) => `v1/usage?${new URLSearchParams({ from, to, group_by: group })}`;
  let byDay;
  let byModel;
  try {
    [byDay, byModel] = await Promise.all([api(query("day")), api(query("model"))]);
  } catch (e) {
    if (ticket !== loading) return;
    $("usage-show").disabled = false;
    $("usage-status").textContent = "";
    if (e instanceof AuthRequired) return requireAuth(e.message);
    $("usage-result").hidden = true;
    $("usage-error").textContent = `Could not load usage: ${e.message}`;
    return;
  }
  if (ticket !== loading) return; // a newer request is on its way
  $("usage-show").disabled = false;
  const totals = byDay.totals;
  if (totals.attempts === 0) {
    $("usage-result").hidden = true;
    $("usage-status").textContent = `No usage from ${from} to ${to}: nothing was generated with this tenant's keys in that period.`;
    return;
  }
  const days = fillDays(from, to, byDay.groups);
  renderTotals(totals);
  $("usage-chart").replaceChildren(chart(days, { from, to, total: totals.spend_usd }));
  $("usage-caption").textContent =
    `Spend per UTC day (the provider's figure where it reported one, else the gateway's estimate); tenant ${byDay.tenant}.` +
    (byDay.truncated || byModel.truncated ? " Only the first 1,000 groups are listed." : "");
  $("usage-days-body").replaceChildren(
    ...days.map((d) => el("tr", {}, el("th", { scope: "row", "data-label": "Day", text: d.day }), cell("Attempts", String(d.attempts)), cell("Failed", String(d.failed)), cell("Spend", formatUsd(d.spend)))),
  );
  renderModels(byModel.groups);
  $("usage-result").hidden = false;
  $("usage-status").textContent = `Usage from ${from} to ${to}: ${formatUsd(totals.spend_usd)} over ${totals.attempts} attempt${totals.attempts === 1 ? "" : "s"}.`;
}

$("usage-form").addEventListener("submit", (event) => {
  event.preventDefault();
  void load();
});

document.addEventListener("playground:view", (event) => {
  if (event.detail.view !== "usage") return;
  if (!$("usage-to").value) {
    // The last 30 days, today included (UTC, as the ledger's days are).
    const today = Date.now();
    $("usage-to").value = isoDay(today);
    $("usage-from").value = isoDay(today - 29 * DAY_MS);
  }
  void load();
});
