import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{main_default}from"./chunk-VDGN654A.js";import"./chunk-GV3CYZCE.js";import"./chunk-Q7MLZEAP.js";import"./chunk-WSP6ECVN.js";import"./chunk-DRIYRJ4Q.js";import"./chunk-QZYWBSLO.js";import"./chunk-HBZIDL2Q.js";import"./chunk-C3DJYWGF.js";import"./chunk-S3GO6OFL.js";import"./chunk-BLMS62AK.js";import"./chunk-JHYLE47G.js";import"./chunk-VR2LC7WP.js";import"./chunk-6CUG2M2M.js";import"./chunk-CLP5SHGA.js";import"./chunk-PI2ZI5QB.js";import"./chunk-3Q6OZGRV.js";import"./chunk-2LQNAG57.js";import"./chunk-ULLSPTIG.js";import"./chunk-PF3IZH5T.js";export{main_default as default};
