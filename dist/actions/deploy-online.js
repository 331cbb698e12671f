import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{main_default}from"../chunks/chunk-WLHXJZ3W.js";import"../chunks/chunk-ZPNW375I.js";import"../chunks/chunk-YGSSIEOX.js";import"../chunks/chunk-UNXTF2TH.js";import"../chunks/chunk-5GMQKR4B.js";import"../chunks/chunk-H4BNCM7I.js";import"../chunks/chunk-ZGSQOITX.js";import"../chunks/chunk-HBZIDL2Q.js";import"../chunks/chunk-C3DJYWGF.js";import"../chunks/chunk-S3GO6OFL.js";import{runOnRunner}from"../chunks/chunk-NAE6QC7K.js";import"../chunks/chunk-WC3PD47Y.js";import"../chunks/chunk-2MDC6S6T.js";import"../chunks/chunk-VR2LC7WP.js";import"../chunks/chunk-6CUG2M2M.js";import"../chunks/chunk-CLP5SHGA.js";import"../chunks/chunk-PI2ZI5QB.js";import"../chunks/chunk-3Q6OZGRV.js";import"../chunks/chunk-2LQNAG57.js";import"../chunks/chunk-ULLSPTIG.js";import"../chunks/chunk-PF3IZH5T.js";await runOnRunner(main_default);
