import { afterAll, expect } from "vitest";
import { specLedger } from "./spec";

/**
 * After the tests of the enclosing file or describe block: every request sent to the Azure ML stand-in matched an
 * operation of the vendored 2024-10-01 spec (and every answer its response schema), and more than the given
 * numbers of requests and answers were checked, so a test that stopped reaching the stand-in fails too.
 */
export function expectSpecConformance(atLeast: { requests: number; responses?: number }): void {
  afterAll(() => {
    expect(specLedger.unmatched).toEqual([]);
    expect(specLedger.mismatches).toEqual([]);
    expect(specLedger.requests).toBeGreaterThan(atLeast.requests);
    if (atLeast.responses !== undefined) expect(specLedger.responses).toBeGreaterThan(atLeast.responses);
  });
}
