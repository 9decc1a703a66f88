// Tables scroll sideways inside their own region on a narrow screen (390 px) instead of widening
// the page; the region is focusable and labelled so keyboard users can scroll it too.
import type { ReactNode } from "react";

export function ScrollTable({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-scroll" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
