import { formatNumber as num, mdCode, mdLink, mdText as esc } from "../report";
import type { TrainResult } from "./train";

/** Markdown for the job summary: model, metrics, params, lineage and signature. */
export function renderTrainMarkdown(r: TrainResult, opts: { modelUri?: string } = {}): string {
  const c = r.card;
  const lines: string[] = [];
  lines.push(
    `## Trained ${c.name ? `\`${c.name}\`` : "model"}${r.version !== undefined ? ` version ${r.version}` : ""}`,
  );
  lines.push("");
  if (opts.modelUri) lines.push(`Registered as \`${opts.modelUri}\`.`, "");
  else if (r.version === undefined) lines.push("Not registered.", "");
  lines.push("### Metrics", "", "| metric | value |", "| --- | --- |");
  for (const [k, v] of Object.entries(r.metrics)) lines.push(`| ${esc(k)} | ${num(v)} |`);
  lines.push("");
  const params = Object.entries(c.params);
  if (params.length > 0) {
    lines.push("### Params", "", "| param | value |", "| --- | --- |");
    for (const [k, v] of params) lines.push(`| ${esc(k)} | ${esc(String(v))} |`);
    lines.push("");
  }
  const l = c.lineage;
  lines.push("### Lineage", "", "| | |", "| --- | --- |");
  const row = (k: string, v: string | number | undefined) => {
    if (v !== undefined && v !== "") lines.push(`| ${k} | ${esc(String(v))} |`);
  };
  /** A row whose value is Markdown already built from escaped parts (links, code). */
  const rowMd = (k: string, v: string | undefined) => {
    if (v !== undefined && v !== "") lines.push(`| ${k} | ${v} |`);
  };
  row("commit", l.gitSha);
  row("ref", l.ref);
  row("repository", l.repository);
  row("workflow", l.workflow);
  rowMd("run", l.runUrl ? mdLink(l.runId ?? "run", l.runUrl) : l.runId && esc(l.runId));
  row("actor", l.actor);
  rowMd("data", l.dataHash ? `${mdCode(l.dataHash)} (${l.dataFiles} files, ${l.dataBytes} bytes)` : undefined);
  rowMd(
    "dataset",
    l.dataset ? `${mdCode(l.dataset.uri)} (${l.dataset.rows} rows, ${l.dataset.files} files)` : undefined,
  );
  if (l.azureml)
    rowMd(
      "Azure ML job",
      `${mdLink(l.azureml.jobName, l.azureml.studioUrl)} (${esc(`${l.azureml.jobType}, experiment ${l.azureml.experiment}`)})`,
    );
  if (l.azureml?.model) rowMd("Azure ML model", mdLink(l.azureml.model.id, l.azureml.model.studioUrl));
  rowMd("command", mdCode(l.command));
  row("duration", `${l.durationSeconds} s`);
  lines.push("");
  lines.push("### Signature", "", "| | name | type | shape |", "| --- | --- | --- | --- |");
  for (const t of c.signature.inputs)
    lines.push(`| input | ${esc(t.name)} | ${esc(t.dtype)} | [${t.shape.join(", ")}] |`);
  for (const t of c.signature.outputs)
    lines.push(`| output | ${esc(t.name)} | ${esc(t.dtype)} | [${t.shape.join(", ")}] |`);
  lines.push("");
  const az = l.azureml?.sweep;
  if (az)
    lines.push(
      ...trialsTable(
        "Azure ML trials",
        az.metric,
        az.trials.map((t) => ({
          run: mdLink(t.jobName || "not submitted", t.studioUrl),
          best: t.jobName === az.winner,
          params: t.params,
          status: t.status,
          metric: t.metric,
        })),
      ),
    );
  if (l.sweep) {
    const local = l.sweep;
    lines.push(
      ...trialsTable(
        "Trials",
        local.metric,
        local.trials.map((t) => ({
          run: mdCode(t.name),
          best: t.name === local.winner,
          params: t.params,
          status: t.status,
          metric: t.metric,
        })),
      ),
    );
  }
  return lines.join("\n");
}

/** The trials of a sweep, the same table wherever the trials ran. */
function trialsTable(
  title: string,
  metric: string,
  rows: { run: string; best: boolean; params: Record<string, unknown>; status: string; metric?: number }[],
): string[] {
  const lines = [
    `### ${title}`,
    "",
    `Best by \`${metric}\`.`,
    "",
    "| trial | | params | status | metric | run |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  rows.forEach((t, i) => {
    const params = Object.entries(t.params)
      .map(([k, v]) => `${k}=${v}`)
      .join(", ");
    lines.push(
      `| ${i + 1} | ${t.best ? "**best**" : ""} | ${esc(params)} | ${esc(t.status)} | ${t.metric === undefined ? "" : num(t.metric)} | ${t.run} |`,
    );
  });
  lines.push("");
  return lines;
}

/** The job summary of an Azure ML job that did not complete (failed, timed out, cancelled), with its error and log tail. */
export function renderJobEndedMarkdown(e: {
  jobName: string;
  status: string;
  studioUrl: string;
  message: string;
  diagnostics?: { error?: string; logTail?: string; logFile?: string };
}): string {
  const lines = [
    `## Azure ML job ${esc(e.jobName)} did not complete`,
    "",
    `Status: ${esc(e.status || "unknown")}. [Open it in Azure ML Studio](${e.studioUrl}).`,
    "",
  ];
  const d = e.diagnostics;
  if (d?.error) lines.push(`**Error:** ${esc(d.error)}`, "");
  else lines.push(`> ${esc(e.message.split("\n")[0] ?? "")}`, "");
  if (d?.logTail)
    lines.push(`Last lines of \`${d.logFile}\`:`, "", "```text", d.logTail.replace(/```/g, "`\u200b``"), "```", "");
  return lines.join("\n");
}
