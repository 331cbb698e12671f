import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{DEFAULT_ML_OPSET,DEFAULT_OPSET,DataType,GraphBuilder,appendGraphOutputs,attribute,buildModel,columnsModel,constantTensor,decodeModel,dtypeName,encodeModel,linearClassifierModel,openSession,readSignature,sequenceOfMapType,signatureOf,tensorType,transformModel,treeEnsembleClassifierModel,treeEnsembleRegressorModel,valueInfo,withoutNodes}from"./chunk-CJBS5PF3.js";import"./chunk-OBASIJTY.js";import"./chunk-W7PEYX4N.js";import"./chunk-PF3IZH5T.js";export{DEFAULT_ML_OPSET,DEFAULT_OPSET,DataType,GraphBuilder,appendGraphOutputs,attribute,buildModel,columnsModel,constantTensor,decodeModel,dtypeName,encodeModel,linearClassifierModel,openSession,readSignature,sequenceOfMapType,signatureOf,tensorType,transformModel,treeEnsembleClassifierModel,treeEnsembleRegressorModel,valueInfo,withoutNodes};
