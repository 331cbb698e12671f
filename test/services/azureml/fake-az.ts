/**
 * An `az` executable for end-to-end runs: DefaultAzureCredential's AzureCliCredential runs
 * `az account get-access-token --output json --resource <resource>` (what azure/login leaves behind on
 * a runner) and reads accessToken / expires_on / expiresOn from its JSON. This one prints the local
 * Resource Manager stand-in's token. Put `dir` first on PATH and set AZURE_TOKEN_CREDENTIALS=AzureCliCredential.
 */
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function fakeAzCli(token: string, opts: { fail?: string } = {}): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), "fake-az-"));
  const expires = Math.floor(Date.now() / 1000) + 3600;
  const json = JSON.stringify({
    accessToken: token,
    expiresOn: new Date(expires * 1000).toISOString().replace("T", " ").replace("Z", ".000000"),
    expires_on: expires,
    subscription: "00000000-1111-2222-3333-444444444444",
    tenant: "00000000-0000-0000-0000-000000000000",
    tokenType: "Bearer",
  });
  const script = opts.fail
    ? `#!/bin/sh\necho ${JSON.stringify(opts.fail)} >&2\nexit 1\n`
    : `#!/bin/sh\nif [ "$1 $2" = "account get-access-token" ]; then\n  echo '${json}'\n  exit 0\nfi\necho "az: only account get-access-token is available here" >&2\nexit 2\n`;
  writeFileSync(join(dir, "az"), script);
  chmodSync(join(dir, "az"), 0o755);
  return {
    dir,
    env: { PATH: `${dir}:${process.env.PATH ?? ""}`, AZURE_TOKEN_CREDENTIALS: "AzureCliCredential" },
  };
}
