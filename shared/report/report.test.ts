import { describe, expect, it } from "vitest";
import { renderGfm } from "../../test/services/github-markdown";
import { clip, escapeHtml, mdCode, mdLink, mdText } from "./escape";
import { formatCount, formatNumber, formatPercent, formatSigned } from "./format-number";
import { mermaidXyChart, resample, roundedRange } from "./mermaid-chart";
import { textTable } from "./text-table";

describe("formatNumber: one way to show a number", () => {
  it.each([
    [1234.567, "1235"],
    [12345.67, "12346"],
    [0.84312, "0.8431"],
    [0.5, "0.5"],
    [0.03131, "0.03131"],
    [0.00042, "0.00042"],
    [1.234e-5, "1.234e-5"],
    [-1.234e-5, "-1.234e-5"],
    [2.5e7, "2.5e7"],
    [1234567, "1.235e6"],
    [42, "42"],
    [0, "0"],
    [-0, "0"],
    [Number.NaN, "—"],
    [null, "—"],
    [undefined, "—"],
    [Infinity, "∞"],
  ])("%s → %s", (value, shown) => {
    expect(formatNumber(value)).toBe(shown);
  });

  it("signs differences, groups counts, shows shares as percentages", () => {
    expect(formatSigned(0.0313)).toBe("+0.0313");
    expect(formatSigned(-4)).toBe("-4");
    expect(formatSigned(0)).toBe("0");
    expect(formatSigned(null)).toBe("—");
    expect(formatCount(10000)).toBe("10,000");
    expect(formatPercent(0.9534)).toBe("95.3 %");
  });
});

describe("the Markdown and HTML escaper", () => {
  it("keeps text literal in GFM: markup, emphasis, links and a pipe in a table cell", () => {
    const hostile = "<img src=x onerror=alert(1)> *bold* _it_ [a](http://e.x) `c` a|b # h & &amp; ~~s~~";
    const html = renderGfm(`| x |\n| --- |\n| ${mdText(hostile)} |\n`);
    // GitHub turns a bare URL into a link to itself (autolink literals); nothing else becomes markup.
    const cell = /<td>([\s\S]*?)<\/td>/.exec(html)![1]!.replace(/<a href="http:\/\/e\.x">(http:\/\/e\.x)<\/a>/, "$1");
    expect(cell).not.toMatch(/<(img|em|strong|a|code|del)\b/);
    expect(
      cell
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&amp;/g, "&")
        .replace(/&quot;/g, '"'),
    ).toBe(hostile);
  });

  it("keeps a multi-line text inside its table cell, its lines as <br>", () => {
    const html = renderGfm(`| reason |\n| --- |\n| ${mdText("first line\nsecond | line\r\nthird")} |\n| next |\n`);
    expect([...html.matchAll(/<td>/g)]).toHaveLength(2);
    expect(html).toContain("<td>first line<br>second | line<br>third</td>");
  });

  it("code spans: fences longer than the backticks inside, pipes escaped in tables, empty as (empty)", () => {
    const table = (cell: string) => /<td>([\s\S]*?)<\/td>/.exec(renderGfm(`| v |\n| --- |\n| ${cell} |\n`))![1]!;
    expect(table(mdCode("a`b``c"))).toBe("<code>a`b``c</code>");
    expect(table(mdCode("x|y"))).toBe("<code>x|y</code>");
    expect(table(mdCode("`start"))).toBe("<code>`start</code>");
    expect(table(`${mdCode("")} then ${mdCode("")}`)).toBe("<em>(empty)</em> then <em>(empty)</em>");
    expect(renderGfm(mdCode("x|y", "inline"))).toBe("<p><code>x|y</code></p>");
  });

  it("escapes HTML, links only http(s), clips at word boundaries", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    expect(mdLink("run [1]", "https://github.com/o/r/actions/runs/1")).toBe(
      "[run \\[1\\]](https://github.com/o/r/actions/runs/1)",
    );
    expect(mdLink("run", "javascript:alert(1)")).toBe("run");
    expect(clip("Air temperature [K]=298.1, Process temperature [K]=308.6", 40)).toBe(
      "Air temperature [K]=298.1, Process…",
    );
    expect(clip("a=1, b=2, c=3 with words", 16, ", ")).toBe("a=1, b=2…");
    expect(clip("short", 40)).toBe("short");
  });
});

describe("Mermaid charts", () => {
  it("names each series by its colour, fixes the palette and clamps values into the axis", () => {
    const md = mermaidXyChart({
      title: 'ROC "quoted"',
      x: { label: "FPR", min: 0, max: 1 },
      y: { label: "TPR", min: 0, max: 1 },
      series: [
        { name: "candidate", color: { color: "#0969da", name: "blue" }, values: [0, 0.5, 1.2] },
        { name: "champion", color: { color: "#e36209", name: "orange" }, values: [0, 0.3, Number.NaN] },
      ],
    });
    expect(md.split("\n")).toEqual([
      "```mermaid",
      '%%{init: {"xyChart":{"width":600,"height":340,"titleFontSize":15},"themeVariables":{"xyChart":{"plotColorPalette":"#0969da, #e36209"}}}}%%',
      "xychart-beta",
      "  title \"ROC 'quoted': candidate (blue), champion (orange)\"",
      '  x-axis "FPR" 0 --> 1',
      '  y-axis "TPR" 0 --> 1',
      "  line [0, 0.5, 1]",
      "  line [0, 0.3, 0]",
      "```",
    ]);
  });

  it("resamples a curve on an even grid, taking the top of a vertical run", () => {
    expect(resample([0, 0, 0.5, 1], [0, 0.6, 0.8, 1], 5)).toEqual([0.6, 0.7, 0.8, 0.9, 1]);
    expect(roundedRange([[0.123, 0.987]])).toEqual({ min: 0.12, max: 0.99 });
  });

  it("lays out a text table", () => {
    expect(
      textTable(
        ["A", "NUM"],
        [
          ["x", "1"],
          ["longer", "22"],
        ],
        ["left", "right"],
      ),
    ).toBe("A       NUM\nx         1\nlonger   22");
  });
});
