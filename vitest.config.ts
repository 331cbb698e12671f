import { defineConfig } from "vitest/config";

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

export default defineConfig({
  test: {
    include: [
      "shared/**/*.test.ts",
      "runtime/**/*.test.ts",
      "cli/**/*.test.ts",
      "test/**/*.test.ts",
      "examples/**/*.test.ts",
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    globalSetup: ["test/global-setup.ts"],
    // @actions/workflow-parser imports its JSON schema without an import attribute, which Node 20 refuses;
    // transformed by vite it loads.
    server: { deps: { inline: ["@actions/workflow-parser"] } },
    reporters: ["default"],
  },
});
