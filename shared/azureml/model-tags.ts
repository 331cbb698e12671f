/**
 * The tags an Azure ML model version carries about where it came from, the same whether train registers it
 * in a workspace or promote publishes it in a registry: Studio lists and filters versions by tags, so a model
 * can be traced back to its commit, workflow run and data from Studio alone.
 */

/** How many metrics are copied into tags (all of them are in the `mlops.metrics` property). */
export const TAGGED_METRICS = 8;

export interface LineageTagSource {
  gitSha?: string;
  runUrl?: string;
  dataHash?: string;
  actor?: string;
  approvers?: string[];
}

/** `mlops.git-sha`, `mlops.run-url`, `mlops.data-hash`, `mlops.actor`, `mlops.approvers` and `metric.<name>` (the first few metrics). */
export function lineageTags(l: LineageTagSource, metrics: Record<string, number>): Record<string, string> {
  const tags: Record<string, string> = {};
  const opt: [string, string | undefined][] = [
    ["mlops.git-sha", l.gitSha],
    ["mlops.run-url", l.runUrl],
    ["mlops.data-hash", l.dataHash],
    ["mlops.actor", l.actor],
    ["mlops.approvers", l.approvers?.length ? l.approvers.join(", ") : undefined],
  ];
  for (const [k, v] of opt) if (v) tags[k] = v;
  for (const [k, v] of Object.entries(metrics).slice(0, TAGGED_METRICS)) tags[`metric.${k}`] = String(v);
  return tags;
}
