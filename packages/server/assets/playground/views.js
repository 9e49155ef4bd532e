/* global document, window, location, history, CustomEvent */
// The page's views (Generate, Usage, and any other a module adds): one is shown at a time, chosen by the
// URL's hash so a view can be linked, reloaded and reached with Back. A view is two pieces of markup,
// nothing else: a link `<a href="#name" data-view-link="name">` in the views nav and an element
// `data-view="name"` inside #app. Modules learn that their view was opened from the `playground:view`
// event on document (detail: { view, first }), and load their data then.

const DEFAULT_VIEW = "generate";

const views = () => [...document.querySelectorAll("[data-view]")];

/** The view a hash names: a view's own name, or the view holding the element with that id (the skip link). */
function viewFor(hash) {
  const name = decodeURIComponent(hash.replace(/^#/, ""));
  if (!name) return undefined;
  const own = views().find((v) => v.dataset.view === name);
  if (own) return own;
  return document.getElementById(name)?.closest("[data-view]") ?? undefined;
}

const opened = new Set();
let current;

function show(view, { focus }) {
  const name = view.dataset.view;
  for (const v of views()) v.hidden = v !== view;
  for (const link of document.querySelectorAll("[data-view-link]")) {
    if (link.dataset.viewLink === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const changed = current !== name;
  current = name;
  if (focus && changed) {
    // Keyboard and screen-reader users land on the new view's heading, not at the top of the page.
    const heading = view.querySelector("h2");
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: false });
    }
  }
  if (changed) {
    const first = !opened.has(name);
    opened.add(name);
    document.dispatchEvent(new CustomEvent("playground:view", { detail: { view: name, first } }));
  }
}

/** The view in use now. */
export const currentView = () => current;

/** Show the view the URL names (else Generate); called once the app is visible. */
export function startViews() {
  // Called again after a new key was entered: the view in use loads its data again, with that key.
  current = undefined;
  const view = viewFor(location.hash) ?? viewFor(`#${DEFAULT_VIEW}`);
  if (view) show(view, { focus: false });
}

/** Switch to a view from code (e.g. "Show" on a job opens Generate's result panel). */
export function openView(name) {
  const view = viewFor(`#${name}`);
  if (!view) return;
  if (location.hash !== `#${name}`) history.pushState(null, "", `#${name}`);
  show(view, { focus: false });
}

window.addEventListener("hashchange", () => {
  // Back to the page's own address (no hash) is back to the default view.
  const view = location.hash === "" ? viewFor(`#${DEFAULT_VIEW}`) : viewFor(location.hash);
  // A hash that names no view (or an element outside the views) leaves the page as it is.
  if (!view) return;
  const name = decodeURIComponent(location.hash.slice(1));
  const isView = !name || view.dataset.view === name;
  show(view, { focus: isView });
  // The browser could not move to an element of a hidden view (the skip link from another view): do it now.
  if (!isView) document.getElementById(name)?.focus();
});
