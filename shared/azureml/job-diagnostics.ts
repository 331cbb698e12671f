/**
 * Why an Azure ML job failed, from where Azure ML keeps it, as its own SDK reads it (azure-ai-ml,
 * azure/ai/ml/operations/_job_ops_helper.py stream_logs_until_completion; _job_operations.py
 * _get_named_output_uri):
 * - the error: the run history's RunDetails (`GET <history host>/history/v1.0<workspace id>/runs/<job>/details`,
 *   `error.error.code` / `.message`); the history host is in the discovery document at the workspace's
 *   `properties.discoveryUrl`. The job resource itself has no error field (JobBase, mfe.json 2024-10-01);
 * - the log: the job's `default` output, its folder in the artifact store
 *   (`azureml://datastores/workspaceartifactstore/paths/ExperimentRun/dcid.<job>/`), file
 *   `user_logs/std_log.txt` (stdout and stderr of the command; `azureml-logs/70_driver_log.txt` on the older
 *   runtime). https://learn.microsoft.com/azure/machine-learning/how-to-log-view-metrics#view-and-download-diagnostic-logs
 * Each part is best effort: what cannot be read is left out (the step still fails with the job's status).
 */
import type { TokenCredential } from "@azure/identity";
import type { ArmClient } from "../azure/arm";
import type { Logger } from "../log";
import { outboundFetch } from "../net";
import { getDatastore, openDatastore, parseDatastoreUri } from "./datastore";
import type { JobResource } from "./jobs";
import { type WorkspaceRef, workspacePath } from "./workspace";

export const LOG_FILES = ["user_logs/std_log.txt", "azureml-logs/70_driver_log.txt"];
const TAIL_LINES = 30;

export interface JobDiagnostics {
  /** `<code>: <message>` from the run history. */
  error?: string;
  /** The last lines of the user log, and which file they came from. */
  logTail?: string;
  logFile?: string;
}

export async function jobDiagnostics(
  arm: ArmClient,
  ws: WorkspaceRef,
  job: JobResource,
  o: { credential: TokenCredential; logger?: Logger; onSecret?: (s: string) => void },
): Promise<JobDiagnostics> {
  const name = job.name ?? "";
  const out: JobDiagnostics = {};
  try {
    const w = await arm.get<{ properties?: { discoveryUrl?: string } }>(workspacePath(ws));
    const discovery = w.properties?.discoveryUrl;
    if (discovery) {
      const hosts = (await (await outboundFetch(discovery, { signal: AbortSignal.timeout(20_000) })).json()) as {
        history?: string;
      };
      if (hosts.history) {
        const details = await arm.get<{ error?: { error?: { code?: string; message?: string } } }>(
          `${hosts.history.replace(/\/+$/, "")}/history/v1.0${workspacePath(ws)}/runs/${encodeURIComponent(name)}/details`,
          { apiVersion: null },
        );
        const e = details.error?.error;
        if (e?.message) out.error = `${e.code ? `${e.code}: ` : ""}${e.message}`;
      }
    }
  } catch (e) {
    o.logger?.debug(`azureml: could not read the run history of ${name} (${(e as Error).message.split("\n")[0]})`);
  }
  try {
    const uri =
      (job.properties.outputs?.default as { uri?: string } | undefined)?.uri ??
      `azureml://datastores/workspaceartifactstore/paths/ExperimentRun/dcid.${name}/`;
    const at = parseDatastoreUri(uri);
    if (at) {
      const store = await openDatastore(
        arm,
        workspacePath(ws),
        await getDatastore(arm, workspacePath(ws), at.datastore),
        o.credential,
      );
      if (store.secret) o.onSecret?.(store.secret);
      for (const file of LOG_FILES) {
        const blob = store.container.getBlockBlobClient(`${at.path.replace(/\/+$/, "")}/${file}`);
        if (!(await blob.exists())) continue;
        const text = (await blob.downloadToBuffer()).toString("utf8");
        out.logFile = file;
        out.logTail = text.trimEnd().split("\n").slice(-TAIL_LINES).join("\n");
        break;
      }
    }
  } catch (e) {
    o.logger?.debug(`azureml: could not read the logs of ${name} (${(e as Error).message.split("\n")[0]})`);
  }
  return out;
}
