/**
 * The spec checker itself: what the Azure ML stand-in refuses because mfe.json 2024-10-01 forbids it, so a
 * test that passes against the stand-in cannot rest on a request or an answer Azure would not take.
 */
import { afterEach, describe, expect, it } from "vitest";
import { WORKSPACE_PATH } from "../arm-server";
import { checkRequest, checkResponse, specLedger } from ".";
import { OPERATIONS } from "./operations";

const q = new URLSearchParams({ "api-version": "2024-10-01" });
const ENV = `${WORKSPACE_PATH}/environments/sklearn-env/versions/3`;
const job = (value: string) => ({
  properties: { jobType: "Command", command: "python train.py --lr ${{inputs.lr}}", environmentId: ENV, inputs: { lr: { jobInputType: "literal", value } } },
});

afterEach(() => {
  // Refusals recorded here are the point of these tests, not findings about the client.
  specLedger.mismatches.length = 0;
  specLedger.unmatched.length = 0;
});

describe("vendored Azure ML spec", () => {
  it('refuses a job literal input "" or "-" (LiteralJobInput.value: minLength 1, pattern [a-zA-Z0-9_]) and takes "0.1"', () => {
    const put = (value: string) => checkRequest("PUT", `${WORKSPACE_PATH}/jobs/fp-1`, q, job(value));
    expect(put("0.1")).toMatchObject({ operation: { id: "Jobs_CreateOrUpdate" }, problems: [] });
    expect(put("").problems).toContain("/properties/inputs/lr/value must NOT have fewer than 1 characters");
    expect(put("-").problems).toEqual([expect.stringMatching(/^\/properties\/inputs\/lr\/value must match pattern "\[a-zA-Z0-9_\]"/)]);
    expect(specLedger.mismatches.map((m) => m.operation)).toEqual(["Jobs_CreateOrUpdate", "Jobs_CreateOrUpdate"]);
  });

  it("refuses a Retry-After below the documented 10 s on a 202, and an answer without its Location", () => {
    const cancel = OPERATIONS.find((o) => o.id === "Jobs_Cancel")!;
    const path = `${WORKSPACE_PATH}/jobs/fp-1/cancel`;
    expect(checkResponse(cancel, "POST", path, 202, { location: "https://x/op", "retry-after": "10" }, undefined)).toEqual([]);
    expect(checkResponse(cancel, "POST", path, 202, { location: "https://x/op", "retry-after": "0" }, undefined)).toEqual([
      "Retry-After 0 is outside the documented 10-600 seconds",
    ]);
    expect(checkResponse(cancel, "POST", path, 202, {}, undefined)).toEqual(["header Location is missing"]);
  });

  it("refuses a read-only property in a request and a path that is not an operation of the API", () => {
    const r = checkRequest("PUT", `${WORKSPACE_PATH}/jobs/fp-1`, q, { properties: { ...job("0.1").properties, status: "Completed" } });
    expect(r.problems).toEqual([expect.stringMatching(/^\/properties\/status is read-only and may not be sent/)]);
    expect(checkRequest("PUT", `${WORKSPACE_PATH}/jobz/fp-1`, q, {}).problems).toEqual([expect.stringMatching(/is not an operation of Microsoft\.MachineLearningServices 2024-10-01/)]);
    expect(specLedger.unmatched).toHaveLength(1);
  });
});
