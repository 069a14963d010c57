// Text helpers for diagnostics: what a thrown value says, and tool output squeezed onto one line
// (diagnostics end up in one DB column and one log field).

/** The message of a thrown value, whatever was thrown. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `text` with every run of whitespace made one space, cut to `max` characters with an ellipsis. */
export function oneLine(text: string, max = 400): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
