import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";

/** One fenced code block of a Markdown file, where it stands and what the line before it asks of the doc test. */
export interface DocBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  /** `<!-- doc-test: typecheck-only: why -->` on the line before the fence: compiled but not run. */
  typecheckOnly: boolean;
}

const FENCE = /^```(\w*)\s*$/;
const ANNOTATION = /^<!--\s*doc-test:\s*typecheck-only\b.*-->\s*$/;

/** The Markdown files whose code is documentation: README.md and everything under docs/. */
export function docFiles(root: string): string[] {
  const out = ["README.md"];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".md")) out.push(path);
    }
  };
  walk("docs");
  return out;
}

export function extractBlocks(root: string, file: string): DocBlock[] {
  const lines = readFileSync(join(root, file), "utf8").split("\n");
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    blocks.push({
      file: relative(root, join(root, file)),
      line: start + 1,
      lang: open[1] ?? "",
      code: body.join("\n"),
      typecheckOnly: start > 0 && ANNOTATION.test(lines[start - 1]!),
    });
  }
  return blocks;
}

/**
 * The shell commands of a block, one per logical line: `\` continuations joined, comments and blank lines
 * dropped, `a  |  b` (alternatives written on one line) split apart.
 */
export function shellCommands(code: string): string[] {
  const joined = code.replace(/\\\n\s*/g, " ");
  const out: string[] = [];
  for (const raw of joined.split("\n")) {
    const line = stripComment(raw).trim();
    if (!line) continue;
    out.push(...line.split(/\s{2,}\|\s{2,}/).map((part) => part.trim()));
  }
  return out;
}

/** Drop a trailing `# comment` that is outside quotes. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}
