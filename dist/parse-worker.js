import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{openDataset}from"./chunks/chunk-4SH4I5KT.js";import"./chunks/chunk-Q4QOI7HD.js";import"./chunks/chunk-JHYLE47G.js";import{isUserError}from"./chunks/chunk-ULLSPTIG.js";import"./chunks/chunk-PF3IZH5T.js";import{parentPort,workerData}from"node:worker_threads";var job=workerData,port=parentPort,credits=job.credits,wake;port.on("message",m=>{credits+=m.credit,wake?.()});var post=(m,transfer=[])=>port.postMessage(m,transfer);try{let ds=await openDataset(job.source,{...job.format?{format:job.format}:{},input:job.input});for await(let b of ds.batches(job.batch)){for(;credits===0;)await new Promise(r=>wake=r);credits--;let transfer=[];for(let[name,col]of Object.entries(b.columns)){if(!(col instanceof Float64Array))continue;let own=col.byteOffset===0&&col.byteLength===col.buffer.byteLength?col:col.slice();b.columns[name]=own,transfer.push(own.buffer)}post({type:"batch",batch:b},transfer)}post({type:"done"})}catch(e){let err=e;post({type:"error",user:isUserError(e),message:err.message??String(e),stack:err.stack??""})}
