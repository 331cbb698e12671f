import type { Linter } from "eslint";

/** The layering blocks (no-restricted-imports), also part of the default export. */
export declare const layering: Linter.Config[];
declare const config: Linter.Config[];
export default config;
