import { describe, expect, it } from "vitest";
import { maskKnown, redactCommandLine, secretForms } from "./secrets";

describe("secretForms / maskKnown", () => {
  it("masks a secret in its raw, percent-encoded, form-encoded and decoded forms", () => {
    const sig = "a+b/c=d e%";
    const forms = secretForms(sig);
    expect(forms).toEqual(expect.arrayContaining(["a+b/c=d e%", "a%2Bb%2Fc%3Dd%20e%25", "a%2Bb%2Fc%3Dd+e%25"]));
    const text = `got a%2Bb%2Fc%3Dd%20e%25 and a%2Bb%2Fc%3Dd+e%25 and a+b/c=d e%`;
    expect(maskKnown(text, [sig])).toBe("got *** and *** and ***");
    // Registered percent-encoded (as in a URL), echoed decoded.
    expect(maskKnown("sig=AbC+/= here", ["AbC%2B%2F%3D"])).toBe("sig=*** here");
  });

  it("leaves values too short to be secrets alone", () => {
    expect(maskKnown("a 1 b", ["1", "ab"])).toBe("a 1 b");
  });
});

describe("redactCommandLine", () => {
  const cases: [string, string][] = [
    ["python train.py --token ghp_abcdefghijklmnopqrstuvwxyz0123", "python train.py --token ***"],
    ["python train.py --api-key=s3cr3t --epochs 3", "python train.py --api-key=*** --epochs 3"],
    ["HF_TOKEN=hf_abc python t.py", "HF_TOKEN=*** python t.py"],
    ["curl https://u:p4ss@host/x", "curl https://u:***@host/x"],
    [
      "az copy 'https://a.blob.core.windows.net/c?sv=1&sig=AbC%2B%3D&se=2' .",
      "az copy 'https://a.blob.core.windows.net/c?sv=1&sig=***&se=2' .",
    ],
    ['python t.py --password "two words"', "python t.py --password ***"],
    ["echo eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijkl", "echo ***"],
    [
      "python train.py --design-file d.yaml --authors x --epochs 3",
      "python train.py --design-file d.yaml --authors x --epochs 3",
    ],
    [
      'python train.py --data data/*.csv --out "$MLOPS_OUTPUT_DIR"',
      'python train.py --data data/*.csv --out "$MLOPS_OUTPUT_DIR"',
    ],
  ];
  for (const [command, expected] of cases) {
    it(`stores ${JSON.stringify(command)} as ${JSON.stringify(expected)}`, () => {
      expect(redactCommandLine(command)).toBe(expected);
    });
  }

  it("masks registered secrets wherever they are", () => {
    expect(redactCommandLine("python t.py plainly-my-secret-value", ["my-secret-value"])).toBe(
      "python t.py plainly-***",
    );
  });
});
