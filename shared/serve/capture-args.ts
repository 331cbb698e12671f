import { shown, UserError } from "../errors";
import type { CaptureConfig } from "../capture";

/** The capture flags of the server, each with its environment variable. */
export const CAPTURE_FLAGS = {
  "capture-dir": "MLOPS_CAPTURE_DIR",
  "capture-sample": "MLOPS_CAPTURE_SAMPLE",
  "capture-max-disk-bytes": "MLOPS_CAPTURE_MAX_DISK_BYTES",
  "capture-file-bytes": "MLOPS_CAPTURE_FILE_BYTES",
  "capture-file-seconds": "MLOPS_CAPTURE_FILE_SECONDS",
  "capture-upload": "MLOPS_CAPTURE_UPLOAD",
  "capture-upload-backoff-seconds": "MLOPS_CAPTURE_UPLOAD_BACKOFF_SECONDS",
  plant: "MLOPS_PLANT",
} as const;

export const CAPTURE_USAGE = `Capture (off unless --capture-dir is set):
  --capture-dir <dir>             write answered requests as rotating Parquet files here (env MLOPS_CAPTURE_DIR)
  --capture-sample <0..1>         share of requests captured (env MLOPS_CAPTURE_SAMPLE; default 1)
  --capture-max-disk-bytes <n>    folder budget; beyond it rows are dropped and counted (env MLOPS_CAPTURE_MAX_DISK_BYTES; default 1073741824)
  --capture-file-bytes <n>        close a file at about this size (env MLOPS_CAPTURE_FILE_BYTES; default 8388608)
  --capture-file-seconds <n>      … or when it is this old (env MLOPS_CAPTURE_FILE_SECONDS; default 60)
  --capture-upload <uri>          upload closed files there, exactly once: azblob://<account>/<container>/<prefix>,
                                  https://<account>.blob.core.windows.net/<container>/<prefix> or a folder (env MLOPS_CAPTURE_UPLOAD)
  --capture-upload-backoff-seconds <n>  longest wait between retries while the target is unreachable
                                  (env MLOPS_CAPTURE_UPLOAD_BACKOFF_SECONDS; default 60)
  --plant <name>                  plant name in every row and path (env MLOPS_PLANT; default the host name)`;

function positive(value: string, name: string, integer: boolean): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !/^\d+$/.test(value.trim()))) {
    throw new UserError(
      `${name}: must be a positive ${integer ? "integer" : "number"} (got ${shown(value)}). Pass e.g. ${integer ? "1073741824" : "60"}.`,
    );
  }
  return n;
}

/** Capture settings from flags (or their environment variables); undefined when capture is off. */
export function captureFromFlags(
  pick: (flag: string, envName: string) => string | undefined,
  env: Record<string, string | undefined>,
): CaptureConfig | undefined {
  const get = (flag: keyof typeof CAPTURE_FLAGS) => pick(flag, CAPTURE_FLAGS[flag]);
  const dir = get("capture-dir");
  if (dir === undefined || dir === "") {
    for (const flag of ["capture-upload", "capture-sample"] as const) {
      if (get(flag) !== undefined) {
        throw new UserError(
          `${flag}: capture is off (got ${shown(get(flag))} but no capture-dir). Set --capture-dir <dir> (a volume in the container) to capture.`,
        );
      }
    }
    return undefined;
  }
  const out: CaptureConfig = { dir, env };
  const sample = get("capture-sample");
  if (sample !== undefined) {
    const n = Number(sample);
    if (sample.trim() === "" || !(n >= 0 && n <= 1)) {
      throw new UserError(
        `capture-sample: must be a number from 0 to 1 (got ${shown(sample)}). Pass e.g. 0.1 to capture one request in ten.`,
      );
    }
    out.sample = n;
  }
  const budget = get("capture-max-disk-bytes");
  if (budget !== undefined) out.maxDiskBytes = positive(budget, "capture-max-disk-bytes", true);
  const fileBytes = get("capture-file-bytes");
  if (fileBytes !== undefined) out.fileBytes = positive(fileBytes, "capture-file-bytes", true);
  const seconds = get("capture-file-seconds");
  if (seconds !== undefined) out.fileSeconds = positive(seconds, "capture-file-seconds", false);
  const backoff = get("capture-upload-backoff-seconds");
  if (backoff !== undefined) out.uploadBackoffSeconds = positive(backoff, "capture-upload-backoff-seconds", false);
  const upload = get("capture-upload");
  if (upload !== undefined && upload !== "") out.upload = upload;
  const plant = get("plant");
  if (plant !== undefined && plant !== "") out.plant = plant;
  return out;
}
