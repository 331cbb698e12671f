export { type InferredSchema, type InferSchemaOptions, inferSchema } from "./infer-schema";
export { type Cell, type DataRow, detectFormat, type RowSource, readRows } from "./read-rows";
export { type ColumnSpec, type ColumnType, type DataSchema, parseSchema, type RuleSpec } from "./schema";
export {
  loadSchema,
  type ValidateDataOptions,
  type ValidationResult,
  type Violation,
  type ViolationExample,
  type ViolationRule,
  validateData,
} from "./validate-data";
export { type ValidateStepOptions, type ValidateStepResult, runValidateData } from "./validate-step";
export {
  renderValidationMarkdown,
  type ViolationAnnotation,
  validationAnnotations,
  violationAnnotations,
} from "./validation-report";
