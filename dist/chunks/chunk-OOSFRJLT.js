import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{isGateRejection,isUserError}from"./chunk-W7PEYX4N.js";var REPORT_URL="https://github.com/mlops-actions/mlops-actions/issues",EXIT={ok:0,rejected:1,failed:2,bug:3};function describeFailure(e,opts){if(isGateRejection(e)){let relax=e.relax,sentence=/[.!?)]$/.test(e.message)?e.message:`${e.message}.`,how=relax?opts.on==="runner"?` Set ${relax.input}: ${relax.value} to report without failing.`:` Use --${relax.input} ${relax.value} to report without failing.`:"";return{kind:"rejected",message:`${sentence}${how}`,exitCode:EXIT.rejected}}if(isUserError(e))return{kind:"failed",message:e.message,exitCode:EXIT.failed};let err=e instanceof Error?e:new Error(String(e));return{kind:"bug",message:`${opts.action?`${opts.action}: `:""}unexpected error: ${err.message}. This is a bug; please report it with the log above at ${REPORT_URL}.`,stack:err.stack??String(err),exitCode:EXIT.bug}}export{EXIT,describeFailure};
