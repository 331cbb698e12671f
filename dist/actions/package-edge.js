import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{refuseUnsupportedPlatform,runOnRunner}from"../chunks/chunk-N2WICFEM.js";import"../chunks/chunk-H25TMT74.js";import"../chunks/chunk-ULXIIYLV.js";import"../chunks/chunk-OBASIJTY.js";import"../chunks/chunk-WOLZS6II.js";import"../chunks/chunk-3Q6OZGRV.js";import"../chunks/chunk-ZJYLMAUO.js";import"../chunks/chunk-PI2ZI5QB.js";import"../chunks/chunk-W7DAD5SN.js";import"../chunks/chunk-ULLSPTIG.js";import"../chunks/chunk-WC3PD47Y.js";import"../chunks/chunk-2LQNAG57.js";import"../chunks/chunk-S3GO6OFL.js";import"../chunks/chunk-PF3IZH5T.js";refuseUnsupportedPlatform()||await runOnRunner((await import("../chunks/main-4XZP7DYS.js")).default);
