import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{require_dist}from"./chunk-3Q6OZGRV.js";import{__toESM}from"./chunk-PF3IZH5T.js";var import_yaml=__toESM(require_dist(),1);import{existsSync,readFileSync}from"node:fs";import{dirname,join}from"node:path";import{fileURLToPath}from"node:url";function projectRoot(from=dirname(fileURLToPath(import.meta.url))){let dir=from;for(;;){if(existsSync(join(dir,"actions","train","action.yml")))return dir;let up=dirname(dir);if(up===dir)throw new Error(`cannot find the actions/ folder above ${from}`);dir=up}}function readActionMeta(name,root=projectRoot()){return(0,import_yaml.parse)(readFileSync(join(root,"actions",name,"action.yml"),"utf8"))}function defaultFor(meta,env){let d=meta.default??"";return d.includes("${{")?/^\$\{\{\s*github\.token\s*\}\}$/.test(d)?env.GITHUB_TOKEN??"":/^\$\{\{\s*github\.workspace\s*\}\}$/.test(d)?env.GITHUB_WORKSPACE??process.cwd():"":d}export{projectRoot,readActionMeta,defaultFor};
