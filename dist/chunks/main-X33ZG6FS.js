import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{main_default}from"./chunk-6D7PMZYT.js";import"./chunk-PTJYNMW2.js";import"./chunk-PXNSJJSL.js";import"./chunk-ZGSQOITX.js";import"./chunk-XOX5LGPJ.js";import"./chunk-EMKTCEGF.js";import"./chunk-MNTHNFNK.js";import"./chunk-P5RJJ5RA.js";import"./chunk-VR2LC7WP.js";import"./chunk-6CUG2M2M.js";import"./chunk-VEHZVLPT.js";import"./chunk-JX6OWFPX.js";import"./chunk-PF3IZH5T.js";export{main_default as default};
