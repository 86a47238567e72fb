import { describe, expect, it } from "vitest";
import { ReadyForQueryTracker } from "@/lib/db/pglite-session-queue";

describe("ReadyForQueryTracker", () => {
  const message = (type: string, body: number[]) => {
    const length = body.length + 4;
    return [type.charCodeAt(0), length >>> 24, (length >>> 16) & 255, (length >>> 8) & 255, length & 255, ...body];
  };
  // ParseComplete, a DataRow whose payload ends like a ReadyForQuery, then ReadyForQuery 'T'.
  const stream = Uint8Array.from([...message("1", []), ...message("D", [0, 1, 0, 0, 0, 6, 0x5a, 0, 0, 0, 5, 0x49]), ...message("Z", ["T".charCodeAt(0)])]);

  it("reads the status of the final ReadyForQuery however the output is chunked", () => {
    for (let split = 0; split <= stream.length; split++) {
      const tracker = new ReadyForQueryTracker();
      tracker.push(stream.subarray(0, split));
      tracker.push(stream.subarray(split));
      expect(tracker.status).toBe("T".charCodeAt(0));
    }
  });

  it("reports nothing while the output does not end with a ReadyForQuery", () => {
    const tracker = new ReadyForQueryTracker();
    tracker.push(stream.subarray(0, stream.length - 6));
    expect(tracker.status).toBeUndefined();
    tracker.push(stream.subarray(stream.length - 6, stream.length - 1));
    expect(tracker.status).toBeUndefined();
  });
});
