import { existsSync } from "node:fs";
import { defineConfig } from "vitest/config";
import { NODE24 } from "./test/harness/node-binary.ts";

// vitest 5's reporter calls Map.groupBy (Node >= 21) when it prints failures; Node 20 lacks it.
const mapWithGroupBy = Map as unknown as {
  groupBy?: <K, T>(items: Iterable<T>, key: (item: T, i: number) => K) => Map<K, T[]>;
};
if (typeof mapWithGroupBy.groupBy !== "function") {
  mapWithGroupBy.groupBy = <K, T>(items: Iterable<T>, key: (item: T, i: number) => K) => {
    const groups = new Map<K, T[]>();
    let i = 0;
    for (const item of items) {
      const k = key(item, i++);
      const group = groups.get(k);
      if (group) group.push(item);
      else groups.set(k, [item]);
    }
    return groups;
  };
}

/**
 * The end-to-end tests that run dist/ again on Node.js 24, the runner's `node24` (the suite itself runs on
 * this machine's Node.js). A subset, one file per runtime path that differs between Node.js versions, to keep
 * CI short: the runner protocol and ONNX Runtime's native binding (compare-models), every HTTP stack (proxy:
 * fetch/undici, node:http agents, the Azure SDK, @actions/artifact, the OCI push of package-edge), the
 * HTTP/gRPC server (cli-serve). The others repeat these paths in plain JavaScript.
 */
const NODE24_E2E = [
  "test/e2e/node-version.test.ts",
  "test/e2e/compare-models.test.ts",
  "test/e2e/proxy.test.ts",
  "test/e2e/cli-serve.test.ts",
];
const node24 = existsSync(NODE24) || process.env.CI === "true";
if (!node24) console.warn(`[skip] project node24: ${NODE24} is absent (npx tsx scripts/fetch-base-image.ts)`);

/** What both projects share (a project that extends the root would also inherit its include list). */
const common = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
  pool: "forks" as const,
  globalSetup: ["test/global-setup.ts"],
  // @actions/workflow-parser imports its JSON schema without an import attribute, which Node 20 refuses;
  // transformed by vite it loads.
  server: { deps: { inline: ["@actions/workflow-parser"] } },
};

export default defineConfig({
  test: {
    reporters: ["default"],
    projects: [
      {
        test: {
          ...common,
          name: `node${process.versions.node.split(".")[0]}`,
          include: [
            "shared/**/*.test.ts",
            "runtime/**/*.test.ts",
            "cli/**/*.test.ts",
            "test/**/*.test.ts",
            "examples/**/*.test.ts",
          ],
        },
      },
      ...(node24
        ? [{ test: { ...common, name: "node24", include: NODE24_E2E, env: { MLOPS_TEST_NODE: NODE24 } } }]
        : []),
    ],
  },
});
