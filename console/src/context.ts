// The signed-in session and its API client, for every page.
import { createContext, useContext } from "react";
import type { ApiClient } from "./api/client";
import type { Session } from "./auth/session";

export interface ConsoleContext {
  session: Session;
  api: ApiClient;
}

export const Ctx = createContext<ConsoleContext | undefined>(undefined);

export function useConsole(): ConsoleContext {
  const value = useContext(Ctx);
  if (!value) throw new Error("useConsole outside a signed-in console");
  return value;
}
