/**
 * The columns of the AI4I 2020 predictive-maintenance data set (UCI), which the examples, demos and benchmarks
 * use: the one list of them. No imports, so the data generator and the example models load nothing else.
 */

/** The five sensor readings, in the order the examples train on. */
export const AI4I_FEATURES = [
  "Air temperature [K]",
  "Process temperature [K]",
  "Rotational speed [rpm]",
  "Torque [Nm]",
  "Tool wear [min]",
] as const;

/** The label: any of the failure modes happened. */
export const AI4I_LABEL = "Machine failure";

/** The failure modes behind the label: tool wear, heat dissipation, power, overstrain, random. */
export const AI4I_FAILURE_MODES = ["TWF", "HDF", "PWF", "OSF", "RNF"] as const;

/** Every column of the published CSV, in its order. */
export const AI4I_COLUMNS = ["UDI", "Product ID", "Type", ...AI4I_FEATURES, AI4I_LABEL, ...AI4I_FAILURE_MODES] as const;
