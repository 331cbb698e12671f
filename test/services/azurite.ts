import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { freePort, onFreePort } from "./tools";

export { freePort };

/** The well-known Azurite development account (public, documented by Microsoft). */
export const DEV_ACCOUNT = "devstoreaccount1";
export const DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
/** A second account for cross-account tests (any base64 key works for Azurite). */
export const SECOND_ACCOUNT = "prodaccount1";
export const SECOND_KEY = Buffer.from("prodaccount1-test-key-not-a-secret-0123456789").toString("base64");

const BIN = resolve(import.meta.dirname, "../../node_modules/.bin/azurite-blob");

export function azuriteAvailable(): { ok: true } | { ok: false; reason: string } {
  return existsSync(BIN) ? { ok: true } : { ok: false, reason: `${BIN} not found (npm install -D azurite)` };
}

export interface Azurite {
  port: number;
  /** The data folder (with `disk: true`): pass it, with the port, to start the same Azurite again. */
  location: string;
  /** http://127.0.0.1:<port>/<account> */
  endpoint(account?: string): string;
  /** Connection string for an account (the dev account by default). */
  connectionString(account?: string): string;
  /** Kills Azurite; with `keepData`, its folder stays for a restart on the same port (an outage, not a loss). */
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

/**
 * Waits until Azurite answers on the port: an HTTP answer whose `server` header names Azurite. A bare TCP
 * connect could reach another server that was handed the port between freePort and Azurite's bind.
 */
async function waitForAzurite(port: number, child: ChildProcess, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`azurite exited early with code ${child.exitCode}`);
    let server: string | null | undefined;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      server = res.headers.get("server");
    } catch {
      // not listening yet
    }
    if (server !== undefined) {
      if (server?.startsWith("Azurite-Blob")) return;
      throw new Error(`another server answers on 127.0.0.1:${port} (server: ${server ?? "none"})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`azurite did not listen on 127.0.0.1:${port} in time`);
}

/**
 * Start Azurite's blob service on a free port with two accounts (devstoreaccount1 and prodaccount1),
 * in memory (or in a temporary directory with `disk: true`). Azurite ignores SIGTERM and SIGINT, so stop() kills it with SIGKILL.
 */
export async function startAzurite(opts: AzuriteOptions = {}): Promise<Azurite> {
  if (opts.port !== undefined) return launchAzurite(opts, opts.port);
  // A port taken between freePort and Azurite's bind: Azurite exits on EADDRINUSE, or another server answers.
  return onFreePort(
    (port) => launchAzurite(opts, port),
    (e) => /EADDRINUSE|another server answers/.test(String(e)),
  );
}

interface AzuriteOptions {
  timeoutMs?: number;
  disk?: boolean;
  port?: number;
  location?: string;
}

async function launchAzurite(opts: AzuriteOptions, port: number): Promise<Azurite> {
  const location = opts.location ?? mkdtempSync(join(tmpdir(), "azurite-"));
  const child = spawn(
    process.execPath,
    [
      BIN,
      ...(opts.disk ? ["--location", location] : ["--inMemoryPersistence"]),
      "--blobHost",
      "127.0.0.1",
      "--blobPort",
      String(port),
      "--skipApiVersionCheck",
      "--loose",
      "--silent",
    ],
    {
      env: { ...process.env, AZURITE_ACCOUNTS: `${DEV_ACCOUNT}:${DEV_KEY};${SECOND_ACCOUNT}:${SECOND_KEY}` },
      cwd: location,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  child.stdout?.on("data", (d) => {
    stdout += String(d);
  });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const stop = async (o: { keepData?: boolean } = {}) => {
    if (o.keepData && child.exitCode === null && child.signalCode === null) {
      // Azurite saves its blob index every 5 s; SIGTERM closes the service and saves it ("successfully closed"),
      // but the process stays alive, so it is killed after that. A plain SIGKILL could lose the last writes.
      const closed = new Promise<void>((resolve) => {
        const check = () => {
          if (stdout.includes("successfully closed")) {
            child.stdout?.off("data", check);
            resolve();
          }
        };
        child.stdout?.on("data", check);
        check();
      });
      child.kill("SIGTERM");
      await Promise.race([closed, new Promise((r) => setTimeout(r, 15_000))]);
    }
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGKILL");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    if (!o.keepData) rmSync(location, { recursive: true, force: true });
  };
  try {
    await waitForAzurite(port, child, Date.now() + (opts.timeoutMs ?? 20_000));
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}: ${(stdout + stderr).slice(-500)}`);
  }
  const endpoint = (account = DEV_ACCOUNT) => `http://127.0.0.1:${port}/${account}`;
  return {
    port,
    location,
    endpoint,
    connectionString: (account = DEV_ACCOUNT) =>
      `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${account === DEV_ACCOUNT ? DEV_KEY : SECOND_KEY};BlobEndpoint=${endpoint(account)};`,
    stop,
  };
}

/** The connection strings of both accounts as a registry reads them: the default one, and the second by its name. */
export function accountsEnv(az: Azurite): Record<string, string> {
  return {
    AZURE_STORAGE_CONNECTION_STRING: az.connectionString(DEV_ACCOUNT),
    AZURE_STORAGE_CONNECTION_STRING_PRODACCOUNT1: az.connectionString(SECOND_ACCOUNT),
  };
}

/**
 * Azurite for the tests of the enclosing describe block: started before them, stopped after; `env` names both
 * accounts (accountsEnv).
 */
export function useAzurite(): { readonly az: Azurite; readonly env: Record<string, string> } {
  let az: Azurite | undefined;
  beforeAll(async () => {
    az = await startAzurite();
  });
  afterAll(async () => {
    await az?.stop();
  });
  const started = () => {
    if (!az) throw new Error("Azurite is not started yet: use it inside a test or a beforeAll");
    return az;
  };
  return {
    get az() {
      return started();
    },
    get env() {
      return accountsEnv(started());
    },
  };
}
