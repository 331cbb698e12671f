/** The end-to-end tests run dist/ on the Node.js they are meant to: in the `node24` project, the runner's major. */
import { execFileSync } from "node:child_process";
import { expect, it } from "vitest";
import { testNode } from "../harness/node-binary";

it("runs dist/ on the intended Node.js", () => {
  const version = execFileSync(testNode(), ["-p", "process.versions.node"], { encoding: "utf8" }).trim();
  if (process.env.MLOPS_TEST_NODE) expect(version).toMatch(/^24\./);
  else expect(version).toBe(process.versions.node);
});
