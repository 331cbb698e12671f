import { describe, expect, it } from "vitest";
import { z } from "zod";
import { UserError } from "../shared/errors";
import { defaulted, fillDefaults, input, isDefaulted, parseInputs, splitList } from "./inputs";

const schema = z.object({
  model: input.requiredString("a model reference such as m@3"),
  flag: input.boolean(),
  size: input.integer({ min: 1, max: 10 }),
  ratio: input.number({ min: 0, max: 1 }),
  mode: input.enumeration(["fast", "exact"] as const),
  items: input.list(),
  limits: input.structured(z.record(z.string(), z.number()), "a map of metric to number"),
  hook: input.url({ https: true }),
});

const parse = (raw: Record<string, string>) => parseInputs(schema, { model: "m", ...raw }, ["hook"]);

describe("parseInputs", () => {
  it("turns runner strings into typed values and empty strings into undefined", () => {
    expect(
      parse({
        flag: "True",
        size: "3",
        ratio: "0.25",
        mode: "exact",
        items: "a\nb, c\n# comment\n",
        limits: "recall: 0.01\nlog_loss: 0.02",
        hook: "https://x.example/a",
      }),
    ).toEqual({
      model: "m",
      flag: true,
      size: 3,
      ratio: 0.25,
      mode: "exact",
      items: ["a", "b", "c"],
      limits: { recall: 0.01, log_loss: 0.02 },
      hook: "https://x.example/a",
    });
    expect(parse({ flag: "", size: "" })).toEqual({ model: "m" });
  });

  it("accepts JSON as well as YAML for structured inputs", () => {
    expect(parse({ limits: '{"f1": 0.5}' }).limits).toEqual({ f1: 0.5 });
  });

  it.each([
    [{ flag: "yes" }, 'input "flag": expected a boolean: true or false (got "yes").'],
    [{ size: "2.5" }, 'input "size": expected a whole number from 1 to 10 (got "2.5").'],
    [{ size: "11" }, 'input "size": expected a whole number from 1 to 10 (got "11").'],
    [{ ratio: "abc" }, 'input "ratio": expected a number from 0 to 1 (got "abc").'],
    [{ mode: "slow" }, 'input "mode": expected one of: fast, exact (got "slow").'],
    [{ limits: "{recall: high}" }, 'input "limits": expected a map of metric to number at recall:'],
    [{ limits: "[unclosed" }, 'input "limits": expected a map of metric to number as JSON or YAML'],
    [{ model: "" }, 'input "model" is required: a model reference such as m@3.'],
  ])("names the input, the value and what is accepted: %j", (raw, message) => {
    expect(() => parse(raw)).toThrow(UserError);
    expect(() => parse(raw)).toThrow(message);
  });

  it("excludes the bounds of an exclusive range", () => {
    const fraction = z.object({ r: input.number({ min: 0, max: 1, exclusive: true }) });
    expect(parseInputs(fraction, { r: "0.05" })).toEqual({ r: 0.05 });
    for (const r of ["0", "1"])
      expect(() => parseInputs(fraction, { r })).toThrow(
        `input "r": expected a number between 0 and 1, exclusive (got "${r}").`,
      );
    const positive = z.object({ p: input.number({ min: 0, exclusive: true }) });
    expect(() => parseInputs(positive, { p: "0" })).toThrow('input "p": expected a number greater than 0 (got "0").');
  });

  it("never echoes a secret input's value", () => {
    let msg = "";
    try {
      parse({ hook: "http://hooks.example/secret-token-123" });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain('input "hook": expected an https:// URL (got ***)');
    expect(msg).not.toContain("secret-token-123");
  });

  it("reports every bad input at once", () => {
    expect(() => parse({ size: "0", ratio: "2" })).toThrow(/"size".*"ratio".*Fix them/);
  });
});

describe("defaulted inputs", () => {
  const shape = {
    registry: defaulted(input.string()),
    retries: defaulted(input.integer({ min: 0 })),
    fail: defaulted(input.boolean()).transform((v) => (v ? "closed" : "open")),
    note: input.string(),
  };
  const schema = z.object(shape);
  const yml: Record<string, string> = { registry: ".mlops/registry", retries: "4", fail: "true", note: "" };

  it("are told apart from optional inputs, through a further transform too", () => {
    expect(
      Object.entries(shape)
        .filter(([, f]) => isDefaulted(f))
        .map(([k]) => k),
    ).toEqual(["registry", "retries", "fail"]);
  });

  it("take action.yml's default for an empty value (an unset ${{ vars.X }}), and only for defaulted inputs", () => {
    const asked: string[] = [];
    const raw = fillDefaults(shape, { registry: "", retries: " ", fail: "false", note: "" }, (name) => {
      asked.push(name);
      return yml[name]!;
    });
    expect(raw).toEqual({ registry: ".mlops/registry", retries: "4", fail: "false", note: "" });
    expect(asked).toEqual(["registry", "retries"]);
    expect(parseInputs(schema, raw)).toEqual({ registry: ".mlops/registry", retries: 4, fail: "open" });
  });

  it("never parse to undefined: a defaulted input that reaches the schema empty is one clear error", () => {
    expect(() => parseInputs(schema, { registry: "r", retries: "", fail: "true" })).toThrow(
      'input "retries": is empty: give a value, or leave the input out to use its action.yml default (got "").',
    );
  });
});

describe("splitList", () => {
  it("splits lines and commas and drops blanks and comments", () => {
    expect(splitList("linux/amd64,linux/arm64")).toEqual(["linux/amd64", "linux/arm64"]);
    expect(splitList("  a  \n\n b\n# a comment line\n  #c\n")).toEqual(["a", "b"]);
    expect(splitList("Pump #1\nPump #2")).toEqual(["Pump #1", "Pump #2"]);
  });
});
