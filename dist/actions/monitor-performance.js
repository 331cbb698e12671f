import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{refuseUnsupportedPlatform,runOnRunner}from"../chunks/chunk-MS765L7I.js";import"../chunks/chunk-64H54CIO.js";import"../chunks/chunk-OOSFRJLT.js";import"../chunks/chunk-A64G3XDF.js";import"../chunks/chunk-ULXIIYLV.js";import"../chunks/chunk-OBASIJTY.js";import"../chunks/chunk-IPFRWILJ.js";import"../chunks/chunk-HN6C62LM.js";import"../chunks/chunk-3Q6OZGRV.js";import"../chunks/chunk-KWAZAHWH.js";import"../chunks/chunk-PI2ZI5QB.js";import"../chunks/chunk-L5YWMLHF.js";import"../chunks/chunk-W7PEYX4N.js";import"../chunks/chunk-WC3PD47Y.js";import"../chunks/chunk-2LQNAG57.js";import"../chunks/chunk-S3GO6OFL.js";import"../chunks/chunk-PF3IZH5T.js";refuseUnsupportedPlatform()||await runOnRunner((await import("../chunks/main-JTQRHMUH.js")).default);
