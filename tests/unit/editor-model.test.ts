import { describe, expect, it } from "vitest";
import { moveItem } from "@/components/editor/editor-model";

describe("moveItem", () => {
  it("moves an item forward and backward, keeping the others in order", () => {
    expect(moveItem(["a", "b", "c", "d"], 0, 2)).toEqual(["b", "c", "a", "d"]);
    expect(moveItem(["a", "b", "c", "d"], 3, 1)).toEqual(["a", "d", "b", "c"]);
    expect(moveItem(["a", "b", "c"], 1, 2)).toEqual(["a", "c", "b"]);
  });

  it("changes nothing for the same index or an index out of range, and never mutates its input", () => {
    const list = ["a", "b", "c"];
    expect(moveItem(list, 1, 1)).toEqual(list);
    expect(moveItem(list, 0, -1)).toEqual(list);
    expect(moveItem(list, 3, 0)).toEqual(list);
    expect(moveItem(list, 0, 2)).not.toBe(list);
    expect(list).toEqual(["a", "b", "c"]);
  });
});
