import { escapeHtml } from "./escape";
import { CHART_CSS } from "./svg-chart";

/** The look every HTML report shares (GitHub's colours and type, readable from 340 px phones up). */
const PAGE_CSS = `*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:24px auto;max-width:1180px;padding:0 16px;color:#1f2328;background:#fff}
h1{font-size:22px;margin:0 0 4px;overflow-wrap:anywhere}h2{font-size:17px;margin:28px 0 8px}h3{font-size:15px;margin:18px 0 6px}
.meta{color:#59636e}.muted{color:#59636e}.small{font-size:12px}
.verdict{font-size:17px;font-weight:600;padding:8px 12px;border-radius:6px;display:inline-block;margin:8px 0}
.verdict.good{background:#dafbe1;color:#116329;border:1px solid #4ac26b}.verdict.bad{background:#ffebe9;color:#a40e26;border:1px solid #ff8182}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:6px 0 14px}
th,td{border-bottom:1px solid #d0d7de;padding:5px 8px;text-align:left;vertical-align:top}
th{font-weight:600;background:#f6f8fa}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.pass{color:#116329}td.fail{color:#a40e26;font-weight:600}
tr.worse td.delta{color:#a40e26}tr.better td.delta{color:#116329}
td.delta.worse{color:#a40e26}td.delta.better{color:#116329}
td code{white-space:nowrap;overflow-wrap:normal}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f6f8fa;padding:1px 4px;border-radius:4px;overflow-wrap:anywhere}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:14px;margin:10px 0 18px}
.badge{font-size:12px;padding:1px 8px;border-radius:10px;font-weight:600;white-space:nowrap}
.badge.alias{background:#ddf4ff;color:#0550ae}.badge.good{background:#dafbe1;color:#116329}.badge.bad{background:#ffebe9;color:#a40e26}
@media (max-width:480px){body{margin:12px auto;padding:0 10px}table{font-size:13px}th,td{padding:4px 5px}.grid{grid-template-columns:1fr}span.small{display:block}}
${CHART_CSS}`;

/**
 * A self-contained HTML page: inline CSS and SVG only, and a Content-Security-Policy that forbids every
 * network load and every script, so it renders the same from an artifact download, a file:// URL or offline.
 */
export function htmlPage(title: string, body: string, css = ""): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
${PAGE_CSS}
${css}
</style>
</head>
<body>
${body}
</body>
</html>
`;
}
