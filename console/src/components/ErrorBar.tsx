// An API failure, shown where it happened: what was tried, the HTTP status, the API's code and
// its message (which says what to do). Nothing is retried behind the user's back.
import { MessageBar, MessageBarBody, MessageBarTitle } from "@fluentui/react-components";
import type { ApiFailure } from "../api/client";

export function ErrorBar({ error, doing, note }: { error: ApiFailure | undefined; doing: string; note?: string }) {
  if (!error) return null;
  return (
    <MessageBar intent="error" role="alert" layout="multiline" data-testid="api-error">
      <MessageBarBody>
        <MessageBarTitle>{doing} failed</MessageBarTitle>
        <span>
          <code>{error.attempted}</code> answered {error.status === 0 ? "nothing" : error.status} <strong>{error.code}</strong>: {error.message}
          {note ? ` ${note}` : ""}
        </span>
      </MessageBarBody>
    </MessageBar>
  );
}
