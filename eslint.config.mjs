// Lint rules: ESLint's and typescript-eslint's recommended sets, the type-aware rules that catch lost
// promises, and the layering of the code base as import restrictions (README "Architecture").
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

// `shared/` is the domain: the CLI and the server run it too, so it never reaches into the runner's
// packages, the wrapper, the adapters or the CLI.
const sharedLayer = {
  files: ["shared/**/*.ts"],
  ignores: ["**/*.test.ts"],
  rules: {
    "no-restricted-imports": [
      "error",
      {
        patterns: [
          {
            group: ["@actions/*"],
            message: "shared/ runs outside the Actions runner too: pass what it needs in from runtime/.",
          },
          {
            regex: "^(\\.\\./)+(runtime|actions|cli)(/|$)",
            message: "shared/ is the domain: it may not import runtime/, actions/ or cli/ (they import shared/).",
          },
        ],
      },
    ],
  },
};

// An adapter sees an area through its index.ts only, so an area's inside can change without touching
// the actions.
const adapterLayer = {
  files: ["actions/**/*.ts"],
  rules: {
    "no-restricted-imports": [
      "error",
      {
        patterns: [
          {
            regex: "^(\\.\\./)+shared/[^/]+/.+",
            message:
              'Import a shared area through its index.ts ("../../shared/<area>"), exporting what is missing there.',
          },
        ],
      },
    ],
  },
};

export const layering = [sharedLayer, adapterLayer];

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "test-output/**", ".mlops/**", "**/fixtures/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-for-in-array": "error",
      "@typescript-eslint/no-implied-eval": "error",
      "@typescript-eslint/only-throw-error": "error",
      // Passing on a caught or aborted reason as it came is fine; rejecting with a literal is not.
      "@typescript-eslint/prefer-promise-reject-errors": [
        "error",
        { allowThrowingAny: true, allowThrowingUnknown: true },
      ],
      "@typescript-eslint/return-await": ["error", "error-handling-correctness-only"],
    },
  },
  {
    // Outbound HTTP goes through shared/net, which follows HTTPS_PROXY / HTTP_PROXY / NO_PROXY.
    files: ["actions/**/*.ts", "cli/**/*.ts", "runtime/**/*.ts", "shared/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-globals": [
        "error",
        { name: "fetch", message: "Use outboundFetch from shared/net: it follows HTTPS_PROXY and NO_PROXY." },
      ],
    },
  },
  ...layering,
);
