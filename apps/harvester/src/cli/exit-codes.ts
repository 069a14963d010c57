// Exit codes of the `harvester` command (also in `harvester --help`).
export const EXIT = {
  ok: 0,
  /** Something failed at run time (the message says what). */
  failure: 1,
  /** The command line is wrong. */
  usage: 2,
  /** The configuration is invalid (every problem is listed). */
  config: 3,
  /** The database cannot be opened, or is not created/migrated yet. */
  database: 4,
  /** An id given does not exist. */
  notFound: 5,
  /** run --until-idle: work was still left when the timeout came. */
  timeout: 6,
} as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
