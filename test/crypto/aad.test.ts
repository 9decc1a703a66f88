import { describe, expect, it } from "vitest";
import { canonicalDecodePrefix, canonicalEncode, encodeBindingContext, type BindingContext } from "../../shared/crypto/aad";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("canonical encoding", () => {
  it("is unambiguous where concatenation is not", () => {
    expect(hex(canonicalEncode(["ab", "c"]))).not.toBe(hex(canonicalEncode(["a", "bc"])));
    expect(hex(canonicalEncode(["a", ""]))).not.toBe(hex(canonicalEncode(["", "a"])));
    expect(hex(canonicalEncode(["a"]))).not.toBe(hex(canonicalEncode(["a", ""])));
    const ctx: BindingContext = { environmentId: "ab", store: "records", container: "c", itemId: "" };
    expect(hex(encodeBindingContext(ctx))).not.toBe(hex(encodeBindingContext({ ...ctx, environmentId: "a", container: "bc" })));
    expect(hex(encodeBindingContext(ctx))).not.toBe(hex(encodeBindingContext({ ...ctx, container: "", itemId: "c" })));
  });

  it("is length-prefixed UTF-8, and decodes back", () => {
    const bytes = canonicalEncode(["é", "x"]);
    expect(hex(bytes)).toBe("00000002c3a9" + "0000000178");
    const decoded = canonicalDecodePrefix(Uint8Array.from([...bytes, 1, 2, 3]), 2)!;
    expect(decoded.fields).toEqual(["é", "x"]);
    expect([...decoded.rest]).toEqual([1, 2, 3]);
    expect(canonicalDecodePrefix(bytes.subarray(0, 5), 1)).toBeUndefined();
    expect(canonicalDecodePrefix(Uint8Array.from([0, 0, 0, 1, 0xff]), 1)).toBeUndefined();
  });

  it("refuses strings UTF-8 cannot represent exactly", () => {
    // "\ud800" and "\udc00" would both become U+FFFD: two names, one encoding.
    expect(() => canonicalEncode(["\ud800"])).toThrow(/lone surrogate/);
    expect(hex(canonicalEncode(["😀"]))).toBe("00000004f09f9880");
  });

  it("refuses unknown stores and missing environments", () => {
    expect(() => encodeBindingContext({ environmentId: "e", store: "other" as never, container: "", itemId: "" })).toThrow(/store/);
    expect(() => encodeBindingContext({ environmentId: "", store: "files", container: "", itemId: "" })).toThrow(/environment/);
  });
});
