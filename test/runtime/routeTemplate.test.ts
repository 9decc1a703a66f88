import { describe, expect, it } from "vitest";
import { compareSpecificity, compileRoute, matchRoute, pathSegments } from "../../local/http/routeTemplate";

const match = (template: string, path: string) => matchRoute(compileRoute(template), pathSegments(path));

describe("route templates", () => {
  it("matches mixed literal and parameter segments", () => {
    expect(match("img/{name}.{ext}", "img/logo.final.png")).toEqual({ name: "logo.final", ext: "png" });
    expect(match("img/{name}.{ext}", "IMG/logo.png")).toEqual({ name: "logo", ext: "png" });
    expect(match("img/{name}.{ext}", "img/logo")).toBeUndefined();
  });

  it("applies defaults and optional parameters only at the end", () => {
    expect(match("pages/{page=1}", "pages")).toEqual({ page: "1" });
    expect(match("pages/{page=1}", "pages/7")).toEqual({ page: "7" });
    expect(match("a/{b?}", "a/")).toEqual({});
    expect(match("a/{b}", "a")).toBeUndefined();
    expect(match("a/{b}", "a/x/y")).toBeUndefined();
  });

  it("accepts constraints with arguments without enforcing them", () => {
    expect(match("n/{id:int:min(1)}", "n/abc")).toEqual({ id: "abc" });
    expect(match("r/{code:regex(^[a-z]{{2}}$)}", "r/xyz")).toEqual({ code: "xyz" });
  });

  it("keeps malformed escapes as sent", () => {
    expect(match("f/{x}", "f/100%")).toEqual({ x: "100%" });
  });

  it("rejects templates it cannot read", () => {
    expect(() => compileRoute("a/{b")).toThrow(/unclosed/);
    expect(() => compileRoute("a/{*rest}/c")).toThrow(/catch-all parameter must be last/);
    expect(() => compileRoute("a/{1x}")).toThrow(/invalid parameter/);
  });

  it("orders routes from most to least specific", () => {
    const routes = ["files/{*path}", "files/{name}", "files/new", "files/{name?}", "files/{name}.{ext}"].map(compileRoute);
    routes.sort(compareSpecificity);
    expect(routes.map((r) => r.template)).toEqual(["files/new", "files/{name}.{ext}", "files/{name}", "files/{name?}", "files/{*path}"]);
  });
});
