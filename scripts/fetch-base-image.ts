/**
 * Downloads what the Debian-based test and demo base image is made of (Debian packages for amd64 and
 * arm64 with apt-get download, the Node.js binaries with npm pack) into .cache/debian-base/, and builds
 * the OCI layout there. Run by .ci/run; tests never download.
 *
 *   npx tsx scripts/fetch-base-image.ts
 */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { NODE24 } from "../test/harness/node-binary";
import { ARCHES, cacheDir, debianBaseLayout, fetchDebianBaseInputs, NODE_VERSION } from "../test/services/debian-base";

await fetchDebianBaseInputs((line) => console.log(line));
const base = await debianBaseLayout();
console.log(`Debian base ${base.ref} ${base.digest}`);
console.log(`  amd64: ${base.packages.amd64.join(" ")}`);
console.log(`  arm64: ${base.packages.arm64.join(" ")}`);
console.log(`  node ${base.nodeVersion}`);

// The same Node.js 24 runs dist/ in the `node24` test project, as the runner's `node24` does.
if (process.platform === "linux" && process.arch === "x64") {
  mkdirSync(dirname(NODE24), { recursive: true });
  const tgz = join(cacheDir, "node", `${ARCHES.amd64.npm}-${NODE_VERSION}.tgz`);
  execFileSync("tar", ["-xzf", tgz, "-C", dirname(dirname(NODE24)), "--strip-components=1", "package/bin/node"]);
  console.log(`${NODE24}: ${execFileSync(NODE24, ["--version"], { encoding: "utf8" }).trim()}`);
}
