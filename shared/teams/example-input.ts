import type { ApprovalCardInput } from "./approval-card";

/**
 * A realistic approval request (the AI4I 2020 predictive-maintenance model), for tests, the benchmark
 * and previews of the card.
 */
export function exampleApprovalInput(overrides: Partial<ApprovalCardInput> = {}): ApprovalCardInput {
  const repo = "https://github.com/contoso/predictive-maintenance";
  return {
    title: "Approve ai4i-failure v13 for production",
    model: "ai4i-failure",
    candidateVersion: "13",
    championVersion: "12",
    decision: "promote",
    reason: "Candidate beats the champion on recall (+0.031) and keeps precision within 0.01; all 4 rules pass.",
    metrics: [
      { name: "recall", candidate: 0.8431, champion: 0.8118, passed: true },
      { name: "precision", candidate: 0.9012, champion: 0.9087, passed: true },
      { name: "f1", candidate: 0.8712, champion: 0.8583, passed: true },
      { name: "roc_auc", candidate: 0.9734, champion: 0.9702, passed: true },
      { name: "latency_p95_ms", candidate: 1.84, champion: 1.79 },
    ],
    lineage: {
      repository: "contoso/predictive-maintenance",
      commit: "3f9c2d1e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d",
      commitUrl: `${repo}/commit/3f9c2d1e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d`,
      pullRequest: { number: 42, url: `${repo}/pull/42`, title: "Add tool-wear features" },
      runUrl: `${repo}/actions/runs/987654321`,
      workflow: "train-and-promote",
      actor: "octocat",
    },
    environment: "production",
    facts: [
      { title: "Training rows", value: "8000" },
      { title: "Evaluation rows", value: "2000" },
    ],
    links: {
      approve: `${repo}/actions/runs/987654321`,
      pullRequest: `${repo}/pull/42`,
      report: `${repo}/actions/runs/987654321#summary`,
    },
    ...overrides,
  };
}

/** A card that reports a rollback (request-approval false), as rollback.yml sends it. */
export function exampleRollbackInput(overrides: Partial<ApprovalCardInput> = {}): ApprovalCardInput {
  return exampleApprovalInput({
    title: "ai4i-failure rolled back in production",
    candidateVersion: "12",
    championVersion: "13",
    decision: "rolled-back",
    reason: "recall dropped at plant-north",
    metrics: [],
    facts: [
      { title: "From", value: "ai4i-failure@13" },
      { title: "To", value: "ai4i-failure@12" },
      { title: "By", value: "octocat" },
    ],
    requestApproval: false,
    ...overrides,
  });
}
