// A small router over the History API: the console's pages are /console/... paths (the server
// answers every such path with the app), links are real <a href>s (keyboard and middle-click work).
import { useEffect, useState, type MouseEvent, type ReactNode } from "react";
import { Link as FluentLink } from "@fluentui/react-components";

const listeners = new Set<() => void>();

export function navigate(to: string): void {
  if (to === location.pathname + location.search) return;
  history.pushState(null, "", to);
  listeners.forEach((l) => l());
  window.scrollTo(0, 0);
}

/** The current path and query (a tab is a query parameter); pages re-render when either changes. */
export function usePath(): string {
  const [path, setPath] = useState(location.pathname + location.search);
  useEffect(() => {
    const update = () => setPath(location.pathname + location.search);
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return path;
}

export const paths = {
  policies: () => "/console/policies",
  environmentsWithPolicies: () => "/console/policies?tab=environments",
  policy: (name: string) => `/console/policies/${encodeURIComponent(name)}`,
  policyKey: (name: string) => `/console/policies/${encodeURIComponent(name)}/key`,
  environments: () => "/console/environments",
  environment: (id: string) => `/console/environments/${encodeURIComponent(id)}`,
};

export type Route =
  | { page: "policies" }
  | { page: "policy"; name: string }
  | { page: "policyKey"; name: string }
  | { page: "environments" }
  | { page: "environment"; id: string }
  | { page: "notFound" };

export function matchRoute(pathAndQuery: string): Route {
  const path = pathAndQuery.split("?")[0];
  const parts = path.replace(/^\/+|\/+$/g, "").split("/").map(decodeURIComponent);
  if (parts[0] === "" || (parts[0] === "console" && parts.length === 1)) return { page: "policies" };
  if (parts[0] !== "console") return { page: "notFound" };
  const [, section, name, sub] = parts;
  if (section === "policies" && !name) return { page: "policies" };
  if (section === "policies" && name && !sub) return { page: "policy", name };
  if (section === "policies" && name && sub === "key" && parts.length === 4) return { page: "policyKey", name };
  if (section === "environments" && !name) return { page: "environments" };
  if (section === "environments" && name && parts.length === 3) return { page: "environment", id: name };
  return { page: "notFound" };
}

/** An in-app link: a real anchor, navigated without a reload. */
export function AppLink({ to, children, ...rest }: { to: string; children: ReactNode; "aria-label"?: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <FluentLink href={to} onClick={onClick} {...rest}>{children}</FluentLink>;
}
