import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{main_default}from"../chunks/chunk-GKBSRZ7R.js";import"../chunks/chunk-RZKDVKF7.js";import"../chunks/chunk-DUYDNMNZ.js";import"../chunks/chunk-MSBHNOXE.js";import"../chunks/chunk-YING5K4P.js";import"../chunks/chunk-DXGM7P4G.js";import"../chunks/chunk-PBJSJI5Y.js";import"../chunks/chunk-HUWKY52R.js";import"../chunks/chunk-7CWMUGVJ.js";import"../chunks/chunk-6KDLPWI3.js";import"../chunks/chunk-GRC3P4YH.js";import"../chunks/chunk-O65Y2Y3Y.js";import"../chunks/chunk-JUZ25CJB.js";import{runOnRunner}from"../chunks/chunk-G3QLZ2ML.js";import"../chunks/chunk-VR2LC7WP.js";import"../chunks/chunk-2MDC6S6T.js";import"../chunks/chunk-OOSFRJLT.js";import"../chunks/chunk-ULXIIYLV.js";import"../chunks/chunk-RW4WUUR2.js";import"../chunks/chunk-3Q6OZGRV.js";import"../chunks/chunk-6CUG2M2M.js";import"../chunks/chunk-PI2ZI5QB.js";import"../chunks/chunk-W7PEYX4N.js";import"../chunks/chunk-52KFWHRQ.js";import"../chunks/chunk-PF3IZH5T.js";await runOnRunner(main_default);
