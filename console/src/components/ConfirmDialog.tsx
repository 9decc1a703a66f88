// A confirmation that says what the action replaces, erases or takes down, with the API's
// answer shown inside the dialog if it refuses (the dialog stays open so the user sees why).
import { useRef, useState, type ReactNode } from "react";
import { Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, Spinner } from "@fluentui/react-components";
import { ErrorBar } from "./ErrorBar";
import { toFailure } from "../api/usePoll";
import type { ApiFailure } from "../api/client";

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  confirmLabel: string;
  children: ReactNode;
  /** Runs the action; a thrown ApiFailure is shown in the dialog. */
  onConfirm(): Promise<void>;
  onClose(): void;
  /**
   * After a confirmed action, once the dialog's closing motion has finished: the place for
   * anything that removes the dialog's trigger or page (a page opened, a panel step changed).
   * Done while the dialog still held the focus trap, such a change left the page aria-hidden.
   */
  onConfirmed?(): void;
  danger?: boolean;
}

export function ConfirmDialog({ open, title, confirmLabel, children, onConfirm, onClose, onConfirmed, danger }: ConfirmDialogProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiFailure>();
  const confirmed = useRef(false);
  // What had the focus when the dialog opened (the button that opened it): the focus goes back to
  // it when the dialog has closed, by Escape, Cancel or a confirmed action. Fluent restores the
  // focus only to a DialogTrigger, and these dialogs are opened by state.
  const opener = useRef<HTMLElement | null>(null);
  const wasOpen = useRef(false);
  if (open && !wasOpen.current) opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  wasOpen.current = open;
  const close = () => {
    if (busy) return;
    setError(undefined);
    onClose();
  };
  const confirm = async () => {
    if (busy) return;
    // The buttons stay focusable while busy (disabledFocusable): a focused button that turns
    // disabled drops the focus out of the dialog, and Fluent's focus trap then left the page
    // aria-hidden after the dialog closed.
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      setBusy(false);
      confirmed.current = true;
      onClose();
    } catch (err) {
      setBusy(false);
      setError(toFailure(err, title));
    }
  };
  return (
    // Always mounted, open or not: Fluent closes it with its motion and then lets go of the page.
    <Dialog open={open} onOpenChange={(_, d) => { if (!d.open) close(); }} modalType="alert"
      surfaceMotion={{ onMotionFinish: (_, d) => {
        if (d.direction !== "exit") return;
        if (opener.current?.isConnected) opener.current.focus();
        opener.current = null;
        if (confirmed.current) {
          confirmed.current = false;
          onConfirmed?.();
        }
      } }}>
      <DialogSurface aria-describedby={undefined}>
        <DialogBody>
          <DialogTitle>{title}</DialogTitle>
          <DialogContent className="dialog-content">
            {children}
            <ErrorBar error={error} doing={title} />
          </DialogContent>
          <DialogActions>
            <Button appearance="secondary" onClick={close} disabledFocusable={busy}>Cancel</Button>
            <Button appearance="primary" onClick={confirm} disabledFocusable={busy} className={danger ? "danger-button" : undefined}
              icon={busy ? <Spinner size="tiny" /> : undefined}>{confirmLabel}</Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
