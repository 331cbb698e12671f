/**
 * A stand-in for how GitHub shows the Markdown an action writes (job summary, pull-request comment), as
 * strict as the published parts allow:
 * - parsing: GitHub Flavored Markdown (the spec, https://github.github.com/gfm/) with micromark and its GFM
 *   extension, which follow the spec's examples (tables, code spans, escapes, raw HTML);
 * - sanitizing: GitHub keeps only an allowlist of HTML elements and drops every other tag, inline styles,
 *   scripts and non-http(s) image sources (github/markup's README, "the HTML is sanitized"; the list is
 *   html-pipeline's SanitizationFilter ALLOWLIST, lib/html/pipeline/sanitization_filter.rb, with
 *   `img src` limited to http, https and relative URLs) — checked, not silently fixed;
 * - diagrams: ```mermaid blocks are drawn with Mermaid (GitHub renders them in Markdown, job summaries and
 *   comments; `xychart-beta` exists since Mermaid 10.6), here with @mermaid-js/tiny 11 in Chromium.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { micromark } from "micromark";
import { gfm, gfmHtml } from "micromark-extension-gfm";
import type { Page } from "playwright-core";

const require = createRequire(import.meta.url);

/** html-pipeline SanitizationFilter ALLOWLIST[:elements]. */
export const GITHUB_ALLOWED_ELEMENTS = new Set(
  `h1 h2 h3 h4 h5 h6 h7 h8 br b i strong em a pre code img tt div ins del sup sub p ol ul table thead tbody
  tfoot blockquote dl dt dd kbd q samp var hr ruby rt rp li tr td th s strike summary details caption figure
  figcaption abbr bdo cite dfn mark small span time wbr input`.split(/\s+/),
);

/** GFM to HTML, raw HTML kept (GitHub sanitizes it afterwards; see `sanitizerFindings`). */
export function renderGfm(markdown: string): string {
  return micromark(markdown, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });
}

/** What GitHub's sanitizer would drop from the rendered Markdown: disallowed elements, data: images, styles. */
export function sanitizerFindings(markdown: string): string[] {
  const html = renderGfm(markdown);
  const found: string[] = [];
  for (const m of html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>/g)) {
    const tag = m[1]!.toLowerCase();
    if (!GITHUB_ALLOWED_ELEMENTS.has(tag)) found.push(`element <${tag}>`);
    if (/\sstyle\s*=/i.test(m[2]!)) found.push(`style attribute on <${tag}>`);
    if (tag === "img" && /src\s*=\s*["']?\s*(?!https?:|\/|\.)[a-z]+:/i.test(m[2]!))
      found.push(`non-http image source on <img>`);
  }
  return [...new Set(found)];
}

/** Enough of GitHub's Markdown look (primer/css markdown-body) for a screenshot to be judged. */
const CSS = `body{margin:0;background:#fff}
.markdown-body{font:14px/1.5 -apple-system,"Segoe UI","Noto Sans",Helvetica,Arial,"DejaVu Sans",sans-serif;color:#1f2328;padding:16px;max-width:1012px;word-wrap:break-word}
.markdown-body h2{font-size:1.5em;border-bottom:1px solid #d1d9e0;padding-bottom:.3em;margin:24px 0 16px}
.markdown-body h3{font-size:1.25em;margin:24px 0 16px}
.markdown-body table{border-spacing:0;border-collapse:collapse;display:block;width:max-content;max-width:100%;overflow:auto;margin-bottom:16px}
.markdown-body td,.markdown-body th{padding:6px 13px;border:1px solid #d1d9e0}
.markdown-body tr:nth-child(2n){background:#f6f8fa}
.markdown-body code{font:85% ui-monospace,SFMono-Regular,Menlo,monospace;background:#eff1f3;padding:.2em .4em;border-radius:6px}
.markdown-body blockquote{margin:0 0 16px;padding:0 1em;color:#59636e;border-left:.25em solid #d1d9e0}
.markdown-body sub{font-size:85%}
.markdown-body .mermaid-chart svg{max-width:100%;height:auto}`;

export interface RenderedMarkdown {
  /** ```mermaid blocks found. */
  diagrams: number;
  /** Blocks Mermaid drew as SVG. */
  drawn: number;
  /** Mermaid's parse/render errors, one per failed block. */
  errors: string[];
}

/**
 * Shows Markdown in the page as GitHub would: GFM to HTML, each ```mermaid block replaced by Mermaid's SVG.
 * The page must refuse network requests (the caller's context routes them to abort).
 */
export async function showGithubMarkdown(page: Page, markdown: string): Promise<RenderedMarkdown> {
  const html = renderGfm(markdown);
  await page.setContent(
    `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><style>${CSS}</style></head><body><article class="markdown-body">${html}</article></body></html>`,
  );
  await page.addScriptTag({ content: readFileSync(require.resolve("@mermaid-js/tiny/dist/mermaid.tiny.js"), "utf8") });
  return page.evaluate(`(async () => {
    mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
    const blocks = [...document.querySelectorAll("pre > code.language-mermaid")];
    const errors = [];
    let drawn = 0;
    for (const [i, code] of blocks.entries()) {
      const holder = document.createElement("div");
      holder.className = "mermaid-chart";
      try {
        const { svg } = await mermaid.render("chart" + i, code.textContent);
        holder.innerHTML = svg;
        drawn++;
      } catch (e) {
        errors.push(String(e && e.message || e));
        holder.textContent = "Mermaid error";
      }
      code.parentElement.replaceWith(holder);
    }
    return { diagrams: blocks.length, drawn, errors };
  })()`);
}
