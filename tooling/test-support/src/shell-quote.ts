// POSIX sh single quoting, the way the shared-file messenger writes values into harvester-job.env.

/** `value` in single quotes for POSIX sh, each `'` inside written as `'\''`. */
export function shq(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
