import { Counter, Gauge, type Registry } from "prom-client";

/** Why captured rows were not written. */
export type DropReason = "disk_budget" | "shape" | "write_error";

/** The capture's and the forwarder's Prometheus metrics, in the server's registry. */
export interface CaptureMetrics {
  captured(rows: number): void;
  dropped(reason: DropReason, rows: number): void;
  fileClosed(rows: number, bytes: number): void;
  diskBytes(bytes: number): void;
  uploaded(bytes: number): void;
  uploadFailed(): void;
  pending(files: number): void;
}

export function createCaptureMetrics(registry: Registry): CaptureMetrics {
  // Counted in a plain number on the request path and added to the counter when /metrics is read.
  let capturedRows = 0;
  new Counter({
    name: "oip_capture_rows_total",
    help: "Rows captured (inputs, outputs, id and time of each answered request row that was sampled).",
    registers: [registry],
    collect() {
      this.inc(capturedRows);
      capturedRows = 0;
    },
  });
  const dropped = new Counter({
    name: "oip_capture_dropped_rows_total",
    help: "Rows not captured, by reason: disk_budget (the capture folder is full), shape (tensors not row-aligned), write_error.",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  for (const reason of ["disk_budget", "shape", "write_error"]) dropped.inc({ reason }, 0);
  const files = new Counter({
    name: "oip_capture_files_total",
    help: "Capture files closed (written under a temporary name, then renamed).",
    registers: [registry],
  });
  const disk = new Gauge({
    name: "oip_capture_disk_bytes",
    help: "Bytes of closed capture files waiting in the capture folder.",
    registers: [registry],
  });
  const uploadedFiles = new Counter({
    name: "oip_capture_uploaded_files_total",
    help: "Capture files uploaded (each exactly once) and removed from the folder.",
    registers: [registry],
  });
  const uploadedBytes = new Counter({
    name: "oip_capture_uploaded_bytes_total",
    help: "Bytes of capture files uploaded.",
    registers: [registry],
  });
  const failures = new Counter({
    name: "oip_capture_upload_failures_total",
    help: "Upload attempts that failed (retried with backoff; the file stays in the folder).",
    registers: [registry],
  });
  const pending = new Gauge({
    name: "oip_capture_pending_files",
    help: "Closed capture files not uploaded yet.",
    registers: [registry],
  });
  return {
    captured: (n) => {
      capturedRows += n;
    },
    dropped: (reason, n) => dropped.inc({ reason }, n),
    fileClosed: () => files.inc(),
    diskBytes: (b) => disk.set(b),
    uploaded: (b) => {
      uploadedFiles.inc();
      uploadedBytes.inc(b);
    },
    uploadFailed: () => failures.inc(),
    pending: (n) => pending.set(n),
  };
}
