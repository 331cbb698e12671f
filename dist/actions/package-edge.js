import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{main_default}from"../chunks/chunk-WYPM4GPB.js";import"../chunks/chunk-A64G3XDF.js";import"../chunks/chunk-QMYHASYZ.js";import"../chunks/chunk-7DHZ4FKD.js";import"../chunks/chunk-RRN25X3L.js";import"../chunks/chunk-FOZJA23P.js";import"../chunks/chunk-47MNQTGP.js";import"../chunks/chunk-O65Y2Y3Y.js";import"../chunks/chunk-JUZ25CJB.js";import{runOnRunner}from"../chunks/chunk-V3NHVSV7.js";import"../chunks/chunk-2MDC6S6T.js";import"../chunks/chunk-OOSFRJLT.js";import"../chunks/chunk-ULXIIYLV.js";import"../chunks/chunk-52KFWHRQ.js";import"../chunks/chunk-VR2LC7WP.js";import"../chunks/chunk-6CUG2M2M.js";import"../chunks/chunk-EYLD66SN.js";import"../chunks/chunk-3Q6OZGRV.js";import"../chunks/chunk-PI2ZI5QB.js";import"../chunks/chunk-W7PEYX4N.js";import"../chunks/chunk-PF3IZH5T.js";await runOnRunner(main_default);
