import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{main_default}from"./chunk-GM7JXPXB.js";import"./chunk-WQWLAOEL.js";import"./chunk-4SH4I5KT.js";import"./chunk-Q4QOI7HD.js";import"./chunk-BLQX6YVX.js";import"./chunk-JHYLE47G.js";import"./chunk-LL5AAJCW.js";import"./chunk-QMYFF3AX.js";import"./chunk-A2MMXIJE.js";import"./chunk-VR2LC7WP.js";import"./chunk-6CUG2M2M.js";import"./chunk-D6DUYVPE.js";import"./chunk-3Q6OZGRV.js";import"./chunk-PI2ZI5QB.js";import"./chunk-ULLSPTIG.js";import"./chunk-PF3IZH5T.js";export{main_default as default};
