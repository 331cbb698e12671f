import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{outboundAgent}from"./chunk-7ING4VFT.js";function storageOptions(options={}){return{...options,agent:outboundAgent()}}function credentialOptions(options={}){return{...options,agent:outboundAgent()}}export{storageOptions,credentialOptions};
