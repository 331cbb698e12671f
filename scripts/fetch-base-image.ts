/**
 * Downloads what the Debian-based test and demo base image is made of (Debian packages for amd64 and
 * arm64 with apt-get download, the Node.js binaries with npm pack) into .cache/debian-base/, and builds
 * the OCI layout there. Run by .ci/run; tests never download.
 *
 *   npx tsx scripts/fetch-base-image.ts
 */
import { debianBaseLayout, fetchDebianBaseInputs } from "../test/services/debian-base";

await fetchDebianBaseInputs((line) => console.log(line));
const base = await debianBaseLayout();
console.log(`Debian base ${base.ref} ${base.digest}`);
console.log(`  amd64: ${base.packages.amd64.join(" ")}`);
console.log(`  arm64: ${base.packages.arm64.join(" ")}`);
console.log(`  node ${base.nodeVersion}`);
