/**
 * Every action, loaded on demand so that running one does not load another's dependencies
 * (onnxruntime only where models are evaluated). Names are the folder names under actions/.
 */
import type { ActionDefinition } from "../runtime/action";

type Loader = () => Promise<{ default: ActionDefinition }>;

export const actions: Record<string, Loader> = {
  train: () => import("./train/main"),
  "compare-models": () => import("./compare-models/main"),
  "notify-teams": () => import("./notify-teams/main"),
  promote: () => import("./promote/main"),
  "package-edge": () => import("./package-edge/main"),
  "validate-data": () => import("./validate-data/main"),
  "detect-drift": () => import("./detect-drift/main"),
  "deploy-online": () => import("./deploy-online/main"),
  score: () => import("./score/main"),
  "snapshot-data": () => import("./snapshot-data/main"),
  "monitor-performance": () => import("./monitor-performance/main"),
};
