/** A self-contained HTML reference rendered from the OpenAPI document (no scripts, no CDN). */

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

type Doc = {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, { summary?: string; tags?: string[]; requestBody?: { content: Record<string, { schema: unknown }> }; responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>; parameters?: { name: string; in: string; description?: string }[] }>>;
  components: { schemas: Record<string, unknown> };
};

function schemaBlock(schema: unknown): string {
  return `<pre>${esc(JSON.stringify(schema, null, 2))}</pre>`;
}

export function renderDocs(doc: Doc): string {
  const ops: string[] = [];
  const toc: string[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const anchor = `${method}-${path}`.replace(/[^A-Za-z0-9]+/g, "-");
      toc.push(`<li><a href="#${anchor}"><code>${method.toUpperCase()} ${esc(path)}</code></a> ${esc(op.summary ?? "")}</li>`);
      const params = (op.parameters ?? []).map((p) => `<li><code>${esc(p.name)}</code> (${esc(p.in)}) ${esc(p.description ?? "")}</li>`).join("");
      const body = op.requestBody
        ? Object.entries(op.requestBody.content)
            .map(([type, c]) => `<h4>Request body <code>${esc(type)}</code></h4>${schemaBlock(c.schema)}`)
            .join("")
        : "";
      const responses = Object.entries(op.responses)
        .map(([status, r]) => `<li><b>${esc(status)}</b> ${esc(r.description)}${r.content ? ` <code>${esc(Object.keys(r.content).join(", "))}</code>` : ""}</li>`)
        .join("");
      ops.push(
        `<section id="${anchor}"><h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3><p>${esc(op.summary ?? "")}</p>` +
          (params ? `<h4>Parameters</h4><ul>${params}</ul>` : "") +
          body +
          `<h4>Responses</h4><ul>${responses}</ul></section>`,
      );
    }
  }
  const schemas = Object.entries(doc.components.schemas)
    .map(([name, s]) => `<section id="schema-${esc(name)}"><h3>${esc(name)}</h3>${schemaBlock(s)}</section>`)
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info.title)} API reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
code,pre{font-family:ui-monospace,Menlo,monospace;font-size:13px}
pre{background:#f5f5f7;padding:.75rem;overflow:auto;border-radius:6px;max-height:28rem}
section{border-top:1px solid #ddd;padding-top:.5rem}
.m{display:inline-block;min-width:4.5rem;text-align:center;border-radius:4px;color:#fff;font-size:12px;padding:2px 6px}
.get{background:#2b7de9}.post{background:#1a9c55}.delete{background:#d33}
</style></head><body>
<h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1>
<p>${esc(doc.info.description ?? "")}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a>. Authenticate with <code>Authorization: Bearer &lt;API key or JWT&gt;</code> or <code>x-api-key</code>.</p>
<h2>Endpoints</h2><ul>${toc.join("")}</ul>
${ops.join("\n")}
<h2>Schemas</h2>
${schemas}
</body></html>`;
}
