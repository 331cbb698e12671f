import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{main_default}from"../chunks/chunk-Z53IWYMG.js";import"../chunks/chunk-QZBKBZYR.js";import"../chunks/chunk-E2KKM5S6.js";import"../chunks/chunk-WSP6ECVN.js";import"../chunks/chunk-X5E7VC75.js";import"../chunks/chunk-WCTRPYQB.js";import"../chunks/chunk-A6CFBWGY.js";import"../chunks/chunk-O65Y2Y3Y.js";import"../chunks/chunk-5VL6UXDF.js";import"../chunks/chunk-JHYLE47G.js";import"../chunks/chunk-6K3ZL6HM.js";import{runOnRunner}from"../chunks/chunk-2XFJO2MZ.js";import"../chunks/chunk-2MDC6S6T.js";import"../chunks/chunk-ULXIIYLV.js";import"../chunks/chunk-52KFWHRQ.js";import"../chunks/chunk-VR2LC7WP.js";import"../chunks/chunk-6CUG2M2M.js";import"../chunks/chunk-CLP5SHGA.js";import"../chunks/chunk-PI2ZI5QB.js";import"../chunks/chunk-3Q6OZGRV.js";import"../chunks/chunk-ULLSPTIG.js";import"../chunks/chunk-PF3IZH5T.js";await runOnRunner(main_default);
