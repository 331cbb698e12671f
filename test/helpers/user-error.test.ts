import { describe, expect, it } from "vitest";
import { UserError } from "../../shared/errors";
import { userErrorOf } from "./user-error";

describe("userErrorOf", () => {
  it("returns the message of a user error, thrown or rejected", async () => {
    expect(
      userErrorOf(() => {
        throw new UserError("data: empty file.");
      }),
    ).toBe("data: empty file.");
    expect(await userErrorOf(Promise.reject(new UserError("label: missing.")))).toBe("label: missing.");
  });

  it("fails on a bug and on nothing thrown", async () => {
    expect(() =>
      userErrorOf(() => {
        throw new TypeError("x is undefined");
      }),
    ).toThrow(/expected a user error, got TypeError/);
    expect(() => userErrorOf(() => 1)).toThrow(/nothing was thrown/);
    await expect(userErrorOf(Promise.reject(new Error("bug")))).rejects.toThrow(
      /expected a user error, got Error: bug/,
    );
    await expect(userErrorOf(Promise.resolve())).rejects.toThrow(/nothing was thrown/);
  });
});
