import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{main_default}from"../chunks/chunk-RMMKIA7G.js";import"../chunks/chunk-PIWELOVJ.js";import"../chunks/chunk-WXPYSJ75.js";import"../chunks/chunk-PXNSJJSL.js";import"../chunks/chunk-ZGSQOITX.js";import"../chunks/chunk-XOX5LGPJ.js";import"../chunks/chunk-EMKTCEGF.js";import"../chunks/chunk-MNTHNFNK.js";import"../chunks/chunk-P5RJJ5RA.js";import"../chunks/chunk-JHYLE47G.js";import{runOnRunner}from"../chunks/chunk-XQESBPFI.js";import"../chunks/chunk-52KFWHRQ.js";import"../chunks/chunk-2MDC6S6T.js";import"../chunks/chunk-VR2LC7WP.js";import"../chunks/chunk-6CUG2M2M.js";import"../chunks/chunk-VEHZVLPT.js";import"../chunks/chunk-JX6OWFPX.js";import"../chunks/chunk-PF3IZH5T.js";await runOnRunner(main_default);
