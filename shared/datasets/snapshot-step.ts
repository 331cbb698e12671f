/** The snapshot-data action's use case: snapshot, then say what was registered in the job summary. */
import { assertModelName } from "../registry/model-ref";
import { type SnapshotOptions, type SnapshotResult, snapshotDataset } from "./snapshot";

export interface SnapshotStepResult extends SnapshotResult {
  summary: string;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

export async function runSnapshotData(
  o: SnapshotOptions & { copy?: "local" | "all" | undefined },
): Promise<SnapshotStepResult> {
  assertModelName(o.name, "name");
  const r = await snapshotDataset({ ...o, timeColumn: o.timeColumn || undefined, alias: o.alias || undefined });
  const m = r.manifest;
  const lines = [
    `## Dataset ${cell(o.name)}@${r.card.version}${r.created ? "" : " (already snapshotted: no new version)"}`,
    "",
    `\`${cell(r.uri)}\`: ${m.rows} rows in ${m.files.length} file(s), ${m.bytes} bytes, ${m.format}` +
      (m.timeRange ? `, ${m.timeRange.column} from ${m.timeRange.from} to ${m.timeRange.to}` : "") +
      (o.alias ? `; alias \`${cell(o.alias)}\`` : ""),
    "",
    "| file | kept | rows | bytes | sha256 |",
    "| --- | --- | ---: | ---: | --- |",
    ...m.files
      .slice(0, 50)
      .map(
        (f) =>
          `| \`${cell(f.source)}\` | ${f.stored ? "in the registry" : "referenced"} | ${f.rows} | ${f.size} | \`${f.sha256.slice(0, 12)}…\` |`,
      ),
    ...(m.files.length > 50 ? [`| … ${m.files.length - 50} more | | | | |`] : []),
    "",
    `Columns: ${m.columns.map((c) => `\`${cell(c.name)}\` (${c.type})`).join(", ")}.`,
    "",
  ];
  return { ...r, summary: lines.join("\n") };
}
