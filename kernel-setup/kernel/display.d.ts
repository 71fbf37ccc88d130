/** Clears the output of the cell that calls it; with `wait`, when its next output arrives. */
export declare function clearOutput(wait?: boolean): void;

/** Shows a full MIME bundle (several representations of one thing) in the calling cell. */
export declare function displayBundle(
  bundle: { data: Record<string, unknown>; metadata?: Record<string, unknown>; transient?: { display_id?: string } },
  update?: boolean,
): void;
