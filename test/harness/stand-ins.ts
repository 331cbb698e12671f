/**
 * Stand-ins for the third-party actions the example workflows use, which need GitHub or Azure to run.
 * Each does what the workflows rely on, refuses what the real action refuses (unknown inputs are warned
 * about by the runner; missing values, a wrong Python version, a missing permission fail the step with the
 * real action's message), and cites the behaviour it follows. An action without a stand-in fails its step:
 * nothing is skipped silently.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { globSync } from "tinyglobby";
import type { Permissions } from "./workflow-model";

export interface StandInContext {
  inputs: Record<string, string>;
  workspace: string;
  runnerTemp: string;
  /** The repository actions/checkout checks out (a folder laid out like the repository root). */
  repository: string;
  /** This job's permissions as written (`id-token: write` is what lets azure/login ask for a token). */
  permissions: Permissions;
  /** The OIDC subject a token of this job carries (repo:<owner>/<repo>:environment:<name>, ...:ref:<ref>, ...). */
  oidcSubject: string;
  /** The Microsoft Entra applications (or managed identities) azure/login can sign in as, by client id. */
  identities: Record<string, AzureIdentity>;
  /** Artifacts of this workflow run, by name: the folder holding the uploaded files. */
  artifacts: Map<string, string>;
  /** Where this run keeps uploaded artifacts. */
  artifactRoot: string;
  log: (line: string) => void;
}

/** One Microsoft Entra application or user-assigned managed identity. */
export interface AzureIdentity {
  /** The OIDC subjects its federated credentials trust (repo:<owner>/<repo>:environment:<name>, ...). */
  subjects: string[];
  /**
   * What its role assignments let the job's later steps do, as environment: connection strings whose SAS
   * carries exactly those rights (AZURE_STORAGE_CONNECTION_STRING_<ACCOUNT>) and the access tokens Entra ID
   * issues it by resource (AZURE_LOGIN_ACCESS_TOKENS, JSON; read by the az stand-in).
   */
  env: Record<string, string>;
}

export interface StandInResult {
  ok: boolean;
  error?: string;
  outputs?: Record<string, string>;
  /** Environment for the job's later steps (what the action exports). */
  env?: Record<string, string>;
  /** Folders prepended to PATH for the job's later steps. */
  path?: string[];
}

type StandIn = (ctx: StandInContext) => StandInResult | Promise<StandInResult>;

const fail = (error: string): StandInResult => ({ ok: false, error });

/** Inputs of each real action (from its action.yml at the pinned version), to reject a misspelt one. */
export const THIRD_PARTY_INPUTS: Record<string, string[]> = {
  // https://github.com/actions/checkout/blob/v4.2.2/action.yml
  "actions/checkout": [
    "repository",
    "ref",
    "token",
    "ssh-key",
    "ssh-known-hosts",
    "ssh-strict",
    "ssh-user",
    "persist-credentials",
    "path",
    "clean",
    "filter",
    "sparse-checkout",
    "sparse-checkout-cone-mode",
    "fetch-depth",
    "fetch-tags",
    "show-progress",
    "lfs",
    "submodules",
    "set-safe-directory",
    "github-server-url",
  ],
  // https://github.com/Azure/login/blob/v2.3.0/action.yml
  "azure/login": [
    "creds",
    "client-id",
    "tenant-id",
    "subscription-id",
    "enable-AzPSSession",
    "environment",
    "allow-no-subscriptions",
    "audience",
    "auth-type",
  ],
  // https://github.com/actions/setup-python/blob/v5.6.0/action.yml
  "actions/setup-python": [
    "python-version",
    "python-version-file",
    "cache",
    "architecture",
    "check-latest",
    "token",
    "cache-dependency-path",
    "update-environment",
    "allow-prereleases",
    "freethreaded",
  ],
  // https://github.com/actions/upload-artifact/blob/v4.6.2/action.yml
  "actions/upload-artifact": [
    "name",
    "path",
    "if-no-files-found",
    "retention-days",
    "compression-level",
    "overwrite",
    "include-hidden-files",
  ],
  // https://github.com/actions/download-artifact/blob/v4.3.0/action.yml
  "actions/download-artifact": ["name", "path", "pattern", "merge-multiple", "github-token", "repository", "run-id"],
};

/**
 * actions/checkout: the repository's files in the workspace (or `path:` under it). Another repository, or a
 * path outside the workspace, is refused as checkout refuses it ("Repository path '...' is not under '...'").
 */
const checkout: StandIn = (ctx) => {
  if (ctx.inputs.repository)
    return fail(`actions/checkout: only this repository is checked out here (got repository ${ctx.inputs.repository})`);
  const target = resolve(ctx.workspace, ctx.inputs.path ?? ".");
  if (!target.startsWith(ctx.workspace)) return fail(`Repository path '${target}' is not under '${ctx.workspace}'`);
  mkdirSync(target, { recursive: true });
  cpSync(ctx.repository, target, { recursive: true });
  return { ok: true, outputs: { ref: "refs/heads/main", commit: "0123456789abcdef0123456789abcdef01234567" } };
};

/**
 * azure/login with OIDC (https://github.com/Azure/login#login-with-openid-connect-oidc-recommended): the job
 * must be allowed to request an ID token (`permissions: id-token: write`), client-id and tenant-id must be set,
 * and Microsoft Entra exchanges the token only for the application named by client-id, and only when one of
 * its federated credentials trusts the token's subject
 * (https://learn.microsoft.com/entra/workload-id/workload-identity-federation-create-trust#github-actions).
 * The identity's rights reach the later steps as environment (here: registry connection strings whose SAS
 * carries exactly the rights the README's role assignments give that subject).
 */
const azureLogin: StandIn = (ctx) => {
  const perms = ctx.permissions;
  const idToken = perms === "write-all" || (typeof perms === "object" && perms["id-token"] === "write");
  if (!idToken) {
    // azure/login's message when ACTIONS_ID_TOKEN_REQUEST_URL is not set.
    return fail(
      "Login failed with Error: Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable. Please make sure to give write permissions to id-token in the workflow.",
    );
  }
  if (!ctx.inputs["client-id"] || !ctx.inputs["tenant-id"]) {
    return fail(
      "Login failed with Error: Using auth-type: SERVICE_PRINCIPAL. Not all values are present. Ensure 'client-id' and 'tenant-id' are supplied.",
    );
  }
  const clientId = ctx.inputs["client-id"];
  const identity = ctx.identities[clientId];
  if (!identity) {
    return fail(
      `Login failed with Error: AADSTS700016: Application with identifier '${clientId}' was not found in the directory.`,
    );
  }
  if (!identity.subjects.includes(ctx.oidcSubject)) {
    return fail(
      `Login failed with Error: AADSTS700213: No matching federated identity record found for presented assertion subject '${ctx.oidcSubject}'.`,
    );
  }
  ctx.log(`azure/login: signed in as ${clientId}, which trusts ${ctx.oidcSubject}`);
  return { ok: true, env: { ...identity.env, AZURE_LOGIN_SUBJECT: ctx.oidcSubject } };
};

let venv: string | undefined;

/** The machine's Python (Debian's python3, where python3-sklearn, python3-onnx, ... are installed). */
function systemPython(): { version: string; bin: string } {
  const bin = "/usr/bin/python3";
  if (!existsSync(bin)) throw new Error("no /usr/bin/python3 (install Debian's python3)");
  const version = execFileSync(bin, ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], {
    encoding: "utf8",
  }).trim();
  return { version, bin };
}

/**
 * actions/setup-python: puts the requested Python first on PATH. Here that is the machine's Python in a
 * virtual environment that sees Debian's packages (`--system-site-packages`); a version the machine does not
 * have fails as setup-python fails for a version it cannot find. No package index is reachable, so
 * PIP_NO_INDEX=1 is exported: `pip install -r requirements.txt` then succeeds only when every requirement is
 * already installed at a version the file allows, and fails with pip's own "No matching distribution" when
 * not. `cache: pip` needs a dependency file, as setup-python does.
 */
const setupPython: StandIn = (ctx) => {
  const { version, bin } = systemPython();
  const wanted = ctx.inputs["python-version"] ?? "";
  if (!wanted) return fail("setup-python: python-version is empty (the workflows here always name one)");
  if (!(version === wanted || version.startsWith(`${wanted}.`))) {
    return fail(
      `The version '${wanted}' with architecture 'x64' was not found for this operating system (this machine has ${version}).`,
    );
  }
  if (ctx.inputs.cache === "pip") {
    const pattern = ctx.inputs["cache-dependency-path"] || "**/requirements.txt";
    if (globSync(pattern, { cwd: ctx.workspace }).length === 0) {
      return fail(
        `No file in ${ctx.workspace} matched to [${pattern}], make sure you have checked out the target repository`,
      );
    }
  }
  if (!venv) {
    // pip is Debian's (python3-pip, seen through --system-site-packages), started the way the venv's own pip
    // script starts it; creating the venv without its own copy of pip takes a tenth of the time.
    const dir = join(tmpdir(), `mlops-harness-python-${version}-${process.pid}`);
    if (!existsSync(join(dir, "bin", "python"))) {
      execFileSync(bin, ["-m", "venv", "--system-site-packages", "--without-pip", dir]);
      for (const name of ["pip", "pip3"]) {
        writeFileSync(join(dir, "bin", name), '#!/bin/sh\nexec "$(dirname "$0")/python" -m pip "$@"\n', {
          mode: 0o755,
        });
      }
      process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    }
    venv = dir;
  }
  return {
    ok: true,
    outputs: { "python-version": version, "python-path": join(venv, "bin", "python") },
    env: { pythonLocation: venv, PIP_NO_INDEX: "1", PIP_DISABLE_PIP_VERSION_CHECK: "1" },
    path: [join(venv, "bin")],
  };
};

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/**
 * actions/upload-artifact v4: names are unique within a run (a second upload of a name fails: "an artifact
 * with this name already exists on the workflow run"); no files is a warning by default, an error with
 * `if-no-files-found: error`.
 */
const uploadArtifact: StandIn = (ctx) => {
  const name = ctx.inputs.name || "artifact";
  if (ctx.artifacts.has(name) && ctx.inputs.overwrite !== "true") {
    return fail(
      `Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: an artifact with this name already exists on the workflow run`,
    );
  }
  const paths = (ctx.inputs.path ?? "")
    .split("\n")
    .map((p) => p.trim())
    .filter(Boolean);
  const files = paths.flatMap((p) => filesUnder(resolve(ctx.workspace, p)));
  if (files.length === 0) {
    const mode = ctx.inputs["if-no-files-found"] || "warn";
    const message = `No files were found with the provided path: ${paths.join(", ")}. No artifacts will be uploaded.`;
    if (mode === "error") return fail(message);
    ctx.log(`warning: ${message}`);
    return { ok: true, outputs: { "artifact-id": "", "artifact-url": "" } };
  }
  const store = join(ctx.artifactRoot, name);
  mkdirSync(store, { recursive: true });
  for (const p of paths) {
    const abs = resolve(ctx.workspace, p);
    if (existsSync(abs))
      cpSync(abs, statSync(abs).isDirectory() ? store : join(store, basename(abs)), { recursive: true });
  }
  ctx.artifacts.set(name, store);
  return {
    ok: true,
    outputs: { "artifact-id": String(ctx.artifacts.size), "artifact-url": `https://github.com/acme/artifacts/${name}` },
  };
};

/** actions/download-artifact v4: one artifact by name into `path` (default the workspace). */
const downloadArtifact: StandIn = (ctx) => {
  const name = ctx.inputs.name ?? "";
  const store = ctx.artifacts.get(name);
  if (!store) return fail(`Unable to download artifact(s): Artifact not found for name: ${name}`);
  const target = resolve(ctx.workspace, ctx.inputs.path || ".");
  mkdirSync(target, { recursive: true });
  cpSync(store, target, { recursive: true });
  return { ok: true, outputs: { "download-path": target } };
};

const STAND_INS: Record<string, StandIn> = {
  "actions/checkout": checkout,
  "azure/login": azureLogin,
  "actions/setup-python": setupPython,
  "actions/upload-artifact": uploadArtifact,
  "actions/download-artifact": downloadArtifact,
};

/** Run the stand-in for `uses:` (owner/repo@ref); an action without one fails the step. */
export async function runStandIn(uses: string, ctx: StandInContext): Promise<StandInResult> {
  const name = uses.split("@")[0]!;
  const standIn = STAND_INS[name];
  if (!standIn) return fail(`${uses}: no stand-in for this action in the workflow harness (test/harness/stand-ins.ts)`);
  // The runner warns about inputs the action does not declare ("Unexpected input(s) ..."); a misspelt key
  // would silently do nothing, so it fails here.
  const unknown = Object.keys(ctx.inputs).filter((k) => !THIRD_PARTY_INPUTS[name]!.includes(k));
  if (unknown.length > 0) {
    return fail(
      `Unexpected input(s) '${unknown.join("', '")}', valid inputs are ['${THIRD_PARTY_INPUTS[name]!.join("', '")}']`,
    );
  }
  return standIn(ctx);
}

export const STAND_IN_ACTIONS = Object.keys(STAND_INS);
