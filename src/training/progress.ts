/**
 * A one-line progress display: in a Jupyter notebook (tslab kernel) a single output line updated in
 * place; in a terminal a single line on stderr rewritten with '\r'; elsewhere (tests, logs) nothing.
 */

import { notebookWriter, type DisplayWriter as WriteDisplayData } from '../core/notebook';

export type { WriteDisplayData };

/** Where progress goes: 'notebook', 'terminal' or nowhere. */
export function progressTarget(): 'notebook' | 'terminal' | 'none' {
  if (notebookWriter()) return 'notebook';
  if (process.stderr.isTTY) return 'terminal';
  return 'none';
}

export class ProgressLine {
  private readonly target: 'notebook' | 'terminal' | 'none';
  private readonly writer: WriteDisplayData | undefined;
  private readonly displayId = `gradscope-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
  private shown = false;
  private last = 0;

  /** @param writer where notebook output goes (default: the running tslab kernel's, when there is one) */
  constructor(enabled: boolean, writer?: WriteDisplayData) {
    this.writer = writer;
    this.target = !enabled ? 'none' : writer ? 'notebook' : progressTarget();
  }

  /** Shows `text`, at most about 4 times a second unless `force`. */
  update(text: string, force = false): void {
    if (this.target === 'none') return;
    const now = Date.now();
    if (!force && now - this.last < 250) return;
    this.last = now;
    if (this.target === 'notebook') {
      const write = this.writer ?? notebookWriter();
      write?.({ data: { 'text/plain': text }, metadata: {}, transient: { display_id: this.displayId } }, this.shown);
      this.shown = true;
    } else {
      process.stderr.write(`\r${text}\x1b[K`);
      this.shown = true;
    }
  }

  /** Shows the final line and ends it. */
  finish(text: string): void {
    if (this.target === 'none') return;
    this.update(text, true);
    if (this.target === 'terminal') process.stderr.write('\n');
  }
}
