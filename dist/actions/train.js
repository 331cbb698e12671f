import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{main_default}from"../chunks/chunk-3GGW627K.js";import"../chunks/chunk-TL5SZVYT.js";import"../chunks/chunk-5GMQKR4B.js";import"../chunks/chunk-XOUCFUAU.js";import"../chunks/chunk-5AF7NEJS.js";import"../chunks/chunk-ZGSQOITX.js";import"../chunks/chunk-TRS6SB3I.js";import"../chunks/chunk-LDPLPGO5.js";import"../chunks/chunk-E42FG4HI.js";import"../chunks/chunk-A2MMXIJE.js";import"../chunks/chunk-JHYLE47G.js";import"../chunks/chunk-JUZ25CJB.js";import{runOnRunner}from"../chunks/chunk-GWQDGSUM.js";import"../chunks/chunk-52KFWHRQ.js";import"../chunks/chunk-7UHKNSE2.js";import"../chunks/chunk-VR2LC7WP.js";import"../chunks/chunk-6CUG2M2M.js";import"../chunks/chunk-EYLD66SN.js";import"../chunks/chunk-3Q6OZGRV.js";import"../chunks/chunk-PI2ZI5QB.js";import"../chunks/chunk-W7PEYX4N.js";import"../chunks/chunk-PF3IZH5T.js";await runOnRunner(main_default);
