// Lint rules: ESLint's and typescript-eslint's recommended sets, over the TypeScript sources.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "test-output/**", ".mlops/**", "**/fixtures/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
  {
    // Outbound HTTP goes through shared/net, which follows HTTPS_PROXY / HTTP_PROXY / NO_PROXY.
    files: ["actions/**/*.ts", "cli/**/*.ts", "runtime/**/*.ts", "shared/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-globals": ["error", { name: "fetch", message: "Use outboundFetch from shared/net: it follows HTTPS_PROXY and NO_PROXY." }],
    },
  },
);
