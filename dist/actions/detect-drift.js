import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{main_default}from"../chunks/chunk-H6Y7BJHD.js";import"../chunks/chunk-WSP6ECVN.js";import"../chunks/chunk-2Q6HP6SM.js";import"../chunks/chunk-YING5K4P.js";import"../chunks/chunk-LMG5C6ZD.js";import"../chunks/chunk-THE5KDG6.js";import"../chunks/chunk-QSGYAU6B.js";import"../chunks/chunk-A2MMXIJE.js";import{runOnRunner}from"../chunks/chunk-TBKTRUCK.js";import"../chunks/chunk-52KFWHRQ.js";import"../chunks/chunk-VR2LC7WP.js";import"../chunks/chunk-2MDC6S6T.js";import"../chunks/chunk-WOLZS6II.js";import"../chunks/chunk-3Q6OZGRV.js";import"../chunks/chunk-6CUG2M2M.js";import"../chunks/chunk-PI2ZI5QB.js";import"../chunks/chunk-ULLSPTIG.js";import"../chunks/chunk-PF3IZH5T.js";await runOnRunner(main_default);
