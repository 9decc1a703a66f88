// Reads from the API now and then again every `everyMs` (0: once), for the live pages: a
// running operation's progress, a lock within 2 s of the API answering 423. A failed read is
// shown (the page renders `error`, with what was tried) and read again at the next tick, which
// the page says; actions are never repeated this way.
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiFailure } from "./client";

export interface Polled<T> {
  data: T | undefined;
  error: ApiFailure | undefined;
  loading: boolean;
  reload(): Promise<void>;
}

export function toFailure(err: unknown, attempted: string): ApiFailure {
  return err instanceof ApiFailure ? err : new ApiFailure(attempted, 0, "ClientError", err instanceof Error ? err.message : String(err));
}

export function usePoll<T>(read: () => Promise<T>, everyMs: number, key: string): Polled<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiFailure>();
  const [loading, setLoading] = useState(true);
  const readRef = useRef(read);
  readRef.current = read;
  const generation = useRef(0);

  const reload = useCallback(async () => {
    const mine = generation.current;
    try {
      const value = await readRef.current();
      if (mine !== generation.current) return;
      setData(value);
      setError(undefined);
    } catch (err) {
      if (mine !== generation.current) return;
      setError(toFailure(err, key));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [key]);

  useEffect(() => {
    generation.current++;
    setData(undefined);
    setError(undefined);
    setLoading(true);
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      await reload();
      // The next read starts after this one ends: a slow API is never asked twice at once.
      if (!stopped && everyMs > 0) timer = setTimeout(tick, everyMs);
    };
    void tick();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [key, everyMs, reload]);

  return { data, error, loading, reload };
}
