import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{main_default}from"./chunk-RHUOZGUE.js";import"./chunk-GDB3WBTF.js";import"./chunk-E4GEWZMQ.js";import"./chunk-A64G3XDF.js";import"./chunk-UXSSLLGJ.js";import"./chunk-7DHZ4FKD.js";import"./chunk-BLQX6YVX.js";import"./chunk-3K4BZQX6.js";import"./chunk-OXP5QJNS.js";import"./chunk-5366XWBW.js";import"./chunk-O65Y2Y3Y.js";import"./chunk-VR2LC7WP.js";import"./chunk-ULXIIYLV.js";import"./chunk-WOLZS6II.js";import"./chunk-3Q6OZGRV.js";import"./chunk-6CUG2M2M.js";import"./chunk-PI2ZI5QB.js";import"./chunk-ULLSPTIG.js";import"./chunk-PF3IZH5T.js";export{main_default as default};
