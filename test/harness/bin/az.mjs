// Stand-in for the Azure CLI on the runner image, for the commands the example workflows and the actions run:
//   az storage blob download-batch --auth-mode login --account-name A --source C --pattern P --destination D
// (https://learn.microsoft.com/cli/azure/storage/blob#az-storage-blob-download-batch). "Logged in" means
// azure/login ran in this job: its identity's connection string for the account
// (AZURE_STORAGE_CONNECTION_STRING_<ACCOUNT>) is what that login may read.
//   az account get-access-token --output json --resource <resource> (or --scope <scope>)
// (https://learn.microsoft.com/cli/azure/account#az-account-get-access-token), what DefaultAzureCredential's
// AzureCliCredential runs: the JSON fields accessToken, expiresOn, expires_on, subscription, tenant, tokenType.
// The token is the logged-in identity's AZURE_ARM_ACCESS_TOKEN, the one the Resource Manager stand-in accepts
// when the README gives that identity a role on the workspace; an identity without one gets a token of its own,
// which Resource Manager refuses, as Azure refuses a caller without the role.
// Anything else fails as az fails for an unknown command, so a changed step cannot pass here without being run.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(join(process.env.MLOPS_HARNESS_NODE_MODULES ?? process.cwd(), "x.js"));
const args = process.argv.slice(2);
const fail = (msg, code = 2) => {
  process.stderr.write(`ERROR: ${msg}\n`);
  process.exit(code);
};
if (args.slice(0, 2).join(" ") === "account get-access-token") {
  const opts = {};
  for (let i = 2; i < args.length; i += 2) {
    if (
      !["--output", "-o", "--resource", "--scope", "--tenant", "--subscription"].includes(args[i]) ||
      args[i + 1] === undefined
    )
      fail(`unrecognized arguments: ${args.slice(i).join(" ")}`);
    opts[args[i]] = args[i + 1];
  }
  if (!opts["--resource"] && !opts["--scope"]) fail("Please specify --resource or --scope.");
  if (!process.env.AZURE_LOGIN_SUBJECT) fail("Please run 'az login' to setup account.", 1);
  const expires = Math.floor(Date.now() / 1000) + 3600;
  process.stdout.write(
    `${JSON.stringify({
      accessToken: process.env.AZURE_ARM_ACCESS_TOKEN || `token-of-${process.env.AZURE_LOGIN_SUBJECT}`,
      expiresOn: new Date(expires * 1000).toISOString().replace("T", " ").replace("Z", ".000000"),
      expires_on: expires,
      subscription: process.env.AZURE_SUBSCRIPTION_ID ?? "",
      tenant: process.env.AZURE_TENANT_ID ?? "",
      tokenType: "Bearer",
    })}\n`,
  );
  process.exit(0);
}
if (args.slice(0, 3).join(" ") !== "storage blob download-batch") {
  fail(
    `'${args.slice(0, 3).join(" ")}' is misspelled or not recognized by the system (stand-in: only storage blob download-batch).`,
  );
}
const flags = {};
for (let i = 3; i < args.length; i += 2) {
  if (!args[i].startsWith("--") || args[i + 1] === undefined)
    fail(`unrecognized arguments: ${args.slice(i).join(" ")}`);
  flags[args[i].slice(2)] = args[i + 1];
}
for (const k of Object.keys(flags)) {
  if (!["auth-mode", "account-name", "source", "pattern", "destination"].includes(k))
    fail(`unrecognized arguments: --${k}`);
}
for (const k of ["source", "destination"]) if (!flags[k]) fail(`the following arguments are required: --${k}`);
if (flags["auth-mode"] !== "login") fail("--auth-mode: only login is used by the workflows (no account keys)");
if (!flags["account-name"]) fail("Missing account name: pass --account-name");
const conn = process.env[`AZURE_STORAGE_CONNECTION_STRING_${flags["account-name"].toUpperCase()}`];
if (!process.env.AZURE_LOGIN_SUBJECT) fail("Please run 'az login' to setup account.", 1);
if (!conn)
  fail(
    `You do not have the required permissions needed to perform this operation (account ${flags["account-name"]}, subject ${process.env.AZURE_LOGIN_SUBJECT}).`,
    1,
  );
const { BlobServiceClient } = require("@azure/storage-blob");
const container = BlobServiceClient.fromConnectionString(conn).getContainerClient(flags.source);
// az matches --pattern with fnmatch: * matches any run of characters, / included.
const pattern = new RegExp(
  `^${(flags.pattern ?? "*")
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".")}$`,
);
const names = [];
for await (const b of container.listBlobsFlat()) if (pattern.test(b.name)) names.push(b.name);
for (const name of names) {
  const to = join(flags.destination, name);
  mkdirSync(dirname(to), { recursive: true });
  await container.getBlobClient(name).downloadToFile(to);
}
process.stdout.write(
  `${JSON.stringify(
    names.map((n) => join(flags.destination, n)),
    null,
    2,
  )}\n`,
);
