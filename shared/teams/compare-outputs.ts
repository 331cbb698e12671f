import { shown, UserError } from "../errors";
import type { Fact } from "./adaptive-card";
import type { MetricRow, TrainingRun } from "./approval-card";

/** What the card takes from a compare-models step. Absent fields were not in the outputs. */
export interface CompareSummary {
  decision?: string;
  reason?: string;
  candidateVersion?: string;
  championVersion?: string;
  metrics?: MetricRow[];
  facts?: Fact[];
  /** Where the candidate was trained (compare-models' candidate-lineage). */
  training?: TrainingRun;
  /** The uploaded report (compare-models' report-url), for the card's Report button. */
  reportUrl?: string;
}

interface RuleLike {
  rule?: unknown;
  metric?: unknown;
  passed?: unknown;
  detail?: unknown;
}

/** Titles of the facts for rules that are not about one metric (any other such rule shows as "Rule <name>"). */
const RULE_FACTS: Record<string, string> = { contract: "Model contract", parity: "Parity with the training framework" };

function parseJson(outputs: Record<string, string>, key: string): unknown {
  const raw = outputs[key];
  if (raw === undefined || raw.trim() === "") return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new UserError(
      `compare-outputs: "${key}" is not JSON (got ${shown(raw)}). Pass the step's outputs unchanged: \${{ toJSON(steps.<id>.outputs) }}.`,
    );
  }
}

function numberMap(value: unknown, key: string): Record<string, number | null> {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UserError(
      `compare-outputs: "${key}" is not a map of metric to number (got ${shown(value)}). Pass compare-models' outputs unchanged.`,
    );
  }
  const out: Record<string, number | null> = {};
  for (const [name, v] of Object.entries(value)) {
    if (typeof v === "number" || v === null) out[name] = v;
  }
  return out;
}

/**
 * Reads compare-models' outputs (the JSON of `steps.<id>.outputs` or of a job's outputs): decision,
 * reason, versions, candidate/champion metrics, and per metric whether every rule on it passed.
 * Metrics with rules come first (in rule order), then the others in the candidate's order.
 */
export function fromCompareOutputs(outputs: Record<string, string>): CompareSummary {
  const summary: CompareSummary = {};
  const str = (key: string) => {
    const v = outputs[key];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  const decision = str("decision");
  if (decision) summary.decision = decision;
  const reason = str("reason");
  if (reason) summary.reason = reason;
  const cv = str("candidate-version");
  if (cv) summary.candidateVersion = cv;
  const chv = str("champion-version");
  if (chv) summary.championVersion = chv;
  const report = str("report-url");
  if (report && /^https?:\/\//.test(report)) summary.reportUrl = report;

  const candidate = numberMap(parseJson(outputs, "candidate-metrics"), "candidate-metrics");
  const champion = numberMap(parseJson(outputs, "champion-metrics"), "champion-metrics");
  const deltas = numberMap(parseJson(outputs, "deltas"), "deltas");
  const rules = parseJson(outputs, "rules");
  const passed = new Map<string, boolean>();
  if (Array.isArray(rules)) {
    for (const r of rules as RuleLike[]) {
      if (typeof r?.metric !== "string" || typeof r.passed !== "boolean") continue;
      passed.set(r.metric, (passed.get(r.metric) ?? true) && r.passed);
    }
  } else if (rules !== undefined) {
    throw new UserError(
      `compare-outputs: "rules" is not a list (got ${shown(rules)}). Pass compare-models' outputs unchanged.`,
    );
  }

  const names = [...passed.keys()].filter((n) => n in candidate);
  for (const n of Object.keys(candidate)) if (!passed.has(n)) names.push(n);
  if (names.length > 0) {
    summary.metrics = names.map((name) => {
      const row: MetricRow = { name, candidate: candidate[name] ?? null };
      if (name in champion) row.champion = champion[name] ?? null;
      if (deltas[name] !== undefined) row.delta = deltas[name];
      const ok = passed.get(name);
      if (ok !== undefined) row.passed = ok;
      return row;
    });
  }

  const training = trainingRun(parseJson(outputs, "candidate-lineage"));
  if (training) summary.training = training;

  const facts: Fact[] = [];
  // Rules that judge something other than a metric (the contract, parity) are facts with their verdict.
  const ruleFacts = (Array.isArray(rules) ? (rules as RuleLike[]) : []).filter(
    (r) =>
      typeof r?.rule === "string" &&
      typeof r.metric === "string" &&
      !(r.metric in candidate) &&
      typeof r.passed === "boolean",
  );
  const contract = str("contract");
  if (contract && !ruleFacts.some((r) => r.rule === "contract"))
    facts.push({ title: "Model contract", value: contract });
  for (const r of ruleFacts) {
    const detail =
      typeof r.detail === "string" && r.detail
        ? r.detail
        : r.rule === "contract" && contract
          ? contract
          : r.passed
            ? "passed"
            : "failed";
    facts.push({
      title: RULE_FACTS[r.rule as string] ?? `Rule ${r.rule as string}`,
      value: `${r.passed ? "✔" : "✘"} ${detail}`,
    });
  }
  if (facts.length > 0) summary.facts = facts;
  return summary;
}

/**
 * The training run in compare-models' `candidate-lineage` (the candidate card's lineage: runUrl, workflow, and
 * azureml.jobName / azureml.studioUrl for a model trained as an Azure ML job). Links must be http(s): they come
 * from a registry and end up as buttons of a card approvers trust.
 */
function trainingRun(value: unknown): TrainingRun | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new UserError(
      `compare-outputs: "candidate-lineage" is not a JSON object (got ${shown(value)}). Pass compare-models' outputs unchanged.`,
    );
  const l = value as { runUrl?: unknown; workflow?: unknown; azureml?: { jobName?: unknown; studioUrl?: unknown } };
  const text = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);
  const url = (v: unknown) => {
    const u = text(v);
    if (u !== undefined && !/^https?:\/\/[^\s]+$/i.test(u))
      throw new UserError(
        `compare-outputs: "candidate-lineage" holds a link that is not http(s) (got ${shown(u)}). The candidate's model card carries it; check how that version was registered.`,
      );
    return u;
  };
  const t: TrainingRun = {};
  const runUrl = url(l.runUrl);
  if (runUrl) t.runUrl = runUrl;
  const workflow = text(l.workflow);
  if (workflow) t.workflow = workflow;
  const job = text(l.azureml?.jobName);
  if (job) t.azuremlJob = job;
  const studio = url(l.azureml?.studioUrl);
  if (studio) t.studioUrl = studio;
  return Object.keys(t).length ? t : undefined;
}
