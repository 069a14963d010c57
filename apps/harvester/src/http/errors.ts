// Errors the HTTP API answers with a status of their own (everything else is a 500).
import { HarvesterError } from '@harvester-ts/core';

/** A request the API refuses: sent as `{ "error": message }` with `status` (and `headers`). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The server could not listen on its host:port (exit code 1 from `harvester run`). */
export class HttpListenError extends HarvesterError {
  constructor(host: string, port: number, cause: NodeJS.ErrnoException) {
    const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const why =
      cause.code === 'EADDRINUSE'
        ? 'the address is already in use (another harvester or program listens there; change http.port)'
        : cause.code === 'EACCES'
          ? 'permission denied (ports below 1024 need privileges; change http.port)'
          : cause.code === 'EADDRNOTAVAIL' || cause.code === 'ENOTFOUND'
            ? 'this machine has no such address (check http.host)'
            : cause.message;
    super('HTTP_LISTEN_FAILED', `HTTP API: cannot listen on ${where}: ${why}`, { host, port }, { cause });
  }
}
