import { describe, expect, it } from "vitest";
import type { ModelCard } from "../registry";
import { CARD_SHA_PROPERTY, cardDigest, versionMetadata } from "./azureml-target";

const card: ModelCard = {
  schema: 1,
  name: "fp",
  version: 2,
  createdAt: "2026-11-23T10:00:00.000Z",
  files: [{ path: "model.onnx", size: 3, sha256: "ab".repeat(32), md5: "AAAAAAAAAAAAAAAAAAAAAA==" }],
  metrics: { f1: 0.91, roc_auc: 0.97 },
  params: {},
  tags: { stage: "prod" },
  lineage: {
    gitSha: "0123abc",
    runUrl: "https://github.com/o/r/actions/runs/7",
    dataHash: "sha256:feed",
    actor: "alice",
    approvers: ["bob", "carol"],
    source: { registry: "/dev", name: "fp", version: 5, sha256: { "model.onnx": "ab".repeat(32) } },
  },
};

describe("Azure ML version metadata", () => {
  it("puts the lineage in tags and the immutable facts in properties", () => {
    const m = versionMetadata(card, "/prod");
    expect(m.modelType).toBe("custom_model");
    expect(m.tags).toEqual({
      "mlops.source": "/dev#fp@5",
      "mlops.alias-registry": "/prod",
      "mlops.git-sha": "0123abc",
      "mlops.run-url": "https://github.com/o/r/actions/runs/7",
      "mlops.data-hash": "sha256:feed",
      "mlops.actor": "alice",
      "mlops.approvers": "bob, carol",
      "metric.f1": "0.91",
      "metric.roc_auc": "0.97",
    });
    expect(m.properties).toEqual({
      [CARD_SHA_PROPERTY]: cardDigest(card),
      "mlops.source": "/dev#fp@5",
      "mlops.metrics": '{"f1":0.91,"roc_auc":0.97}',
      "mlops.files": JSON.stringify({ "model.onnx": "ab".repeat(32) }),
    });
    expect(m.description).toBe("fp version 2, promoted by mlops-actions from /dev#fp@5.");
  });

  it("digests the card without its tags (they can change later), and everything else", () => {
    expect(cardDigest({ ...card, tags: { other: "x" } })).toBe(cardDigest(card));
    expect(cardDigest({ ...card, metrics: { f1: 0.9 } })).not.toBe(cardDigest(card));
    expect(cardDigest({ ...card, version: 3 })).not.toBe(cardDigest(card));
    expect(cardDigest(card)).toMatch(/^[0-9a-f]{64}$/);
  });
});
