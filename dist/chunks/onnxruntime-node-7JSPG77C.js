import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{InferenceSession,TRACE,TRACE_EVENT_BEGIN,TRACE_EVENT_END,TRACE_FUNC_BEGIN,TRACE_FUNC_END,Tensor,env,listSupportedBackends,onnxruntime_node_default,registerBackend}from"./chunk-SBC4KC57.js";import"./chunk-OBASIJTY.js";import"./chunk-W7PEYX4N.js";import"./chunk-PF3IZH5T.js";export{InferenceSession,TRACE,TRACE_EVENT_BEGIN,TRACE_EVENT_END,TRACE_FUNC_BEGIN,TRACE_FUNC_END,Tensor,onnxruntime_node_default as default,env,listSupportedBackends,registerBackend};
