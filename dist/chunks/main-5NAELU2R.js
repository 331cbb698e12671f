import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{main_default}from"./chunk-2H3OUV4B.js";import"./chunk-MBHIY4AL.js";import"./chunk-5WWFQZRB.js";import"./chunk-Y6RFEV3R.js";import"./chunk-HJACMOYC.js";import"./chunk-7DHZ4FKD.js";import"./chunk-5GMQKR4B.js";import"./chunk-BWDLPQ6R.js";import"./chunk-ZGSQOITX.js";import"./chunk-A2MMXIJE.js";import"./chunk-VR2LC7WP.js";import"./chunk-6CUG2M2M.js";import"./chunk-CLP5SHGA.js";import"./chunk-PI2ZI5QB.js";import"./chunk-3Q6OZGRV.js";import"./chunk-ULLSPTIG.js";import"./chunk-PF3IZH5T.js";export{main_default as default};
