/** Is a tool or a file there? (No test-runner imports: scripts use these too.) */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";

/** Is an executable on PATH (or at an absolute path)? */
export function tool(cmd: string, hint: string): { ok: true } | { ok: false; reason: string } {
  try {
    if (cmd.startsWith("/")) {
      if (existsSync(cmd)) return { ok: true };
    } else {
      execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
      return { ok: true };
    }
  } catch {
    /* fallthrough */
  }
  return { ok: false, reason: `${cmd} not found (${hint})` };
}

/** Is a file present (e.g. ../shared/data/ai4i2020.csv)? */
export function file(path: string, hint: string): { ok: true } | { ok: false; reason: string } {
  return existsSync(path) ? { ok: true } : { ok: false, reason: `${path} is absent (${hint})` };
}

/** A TCP port that is free on 127.0.0.1 right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts a service on a port from `freePort`, and on another one when `taken` says the port was gone by the
 * time the service bound it: between `freePort` closing the port and the service binding it, any other
 * listener on the machine (another test file's server) can be handed the same port.
 */
export async function onFreePort<T>(
  start: (port: number) => Promise<T>,
  taken: (error: unknown) => boolean,
  attempts = 5,
): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await start(await freePort());
    } catch (e) {
      if (i >= attempts || !taken(e)) throw e;
    }
  }
}

/** Debian's Python with what the template repository's trainer and tests import (installed by .ci/run). */
export function pythonAvailability(): { ok: true } | { ok: false; reason: string } {
  const hint =
    "apt-get install python3-sklearn python3-onnx python3-pandas python3-numpy python3-pytest python3-flake8 python3-venv";
  try {
    execFileSync("/usr/bin/python3", ["-c", "import sklearn, onnx, pandas, numpy, pytest, flake8, venv, ensurepip"], {
      stdio: "ignore",
    });
    return { ok: true };
  } catch {
    return { ok: false, reason: `Debian's python3 lacks the trainer's packages (${hint})` };
  }
}
