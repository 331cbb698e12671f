import { dirname, resolve, sep } from "node:path";
import type { ActionContext } from "./context";

/** The deepest folder holding every file (the artifact's root: paths inside it are kept relative to it). */
export function commonFolder(files: string[]): string {
  const folders = files.map((f) => dirname(resolve(f)).split(sep));
  const first = folders[0] ?? [];
  let n = first.length;
  for (const f of folders.slice(1)) {
    let i = 0;
    while (i < n && i < f.length && f[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join(sep) || sep;
}

export interface UploadedArtifact {
  id: number;
  size: number;
  /** The artifact's page, where it is downloaded (when the run is known). */
  url?: string;
}

/**
 * Upload files as a workflow artifact; only a GitHub runner has the artifact service. Without it, a notice
 * says so (or, with `quiet`, a log line: for artifacts uploaded by default, where a local run is normal).
 */
export async function uploadArtifact(
  name: string,
  files: string[],
  ctx: ActionContext,
  opts: { quiet?: boolean } = {},
): Promise<UploadedArtifact | undefined> {
  if (!ctx.env.ACTIONS_RUNTIME_TOKEN || !ctx.env.ACTIONS_RESULTS_URL) {
    const message = `upload-artifact: skipped, no GitHub artifact service here (artifact "${name}" not uploaded).`;
    if (opts.quiet) ctx.logger.info(message);
    else ctx.annotate("notice", message);
    return undefined;
  }
  const { DefaultArtifactClient } = await import("@actions/artifact");
  // model-path and metrics-path may be in different folders: the root must hold both.
  const root = commonFolder(files);
  const { id, size } = await new DefaultArtifactClient().uploadArtifact(name, files, root);
  ctx.logger.info(`upload-artifact: ${name} (id ${id}, ${size} bytes)`);
  const gh = ctx.github;
  const url =
    id !== undefined && gh.repository && gh.runId
      ? `${gh.serverUrl}/${gh.repository}/actions/runs/${gh.runId}/artifacts/${id}`
      : undefined;
  return { id: id ?? 0, size: size ?? 0, ...(url ? { url } : {}) };
}
