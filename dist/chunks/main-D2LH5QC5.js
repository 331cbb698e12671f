import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{main_default}from"./chunk-XP3R5CTL.js";import"./chunk-BUHHRMA7.js";import"./chunk-M3QSNLAD.js";import"./chunk-YING5K4P.js";import"./chunk-4VJOBIIG.js";import"./chunk-TQ52N3IU.js";import"./chunk-RVQIKLNA.js";import"./chunk-A2MMXIJE.js";import"./chunk-VR2LC7WP.js";import"./chunk-WOLZS6II.js";import"./chunk-3Q6OZGRV.js";import"./chunk-6CUG2M2M.js";import"./chunk-PI2ZI5QB.js";import"./chunk-ULLSPTIG.js";import"./chunk-PF3IZH5T.js";export{main_default as default};
