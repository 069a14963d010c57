// HTTP-level faults of the fake PanDA server: what a proxy, a load balancer or a dying server
// does to a request, independent of the SimulatedWms's own method-level faults.

export type FakePandaFault =
  /** Answers with this HTTP status (default body: an HTML proxy error page); nothing is applied. */
  | { kind: 'http-status'; status: number; body?: string; endpoint?: string; times?: number }
  /**
   * Reads the request and never answers; the socket stays open until the client gives up or
   * close(). Nothing is applied unless `applied: true`: then the request is applied (jobs handed
   * out, updates recorded) and only the answer is lost, as when a server or proxy dies after
   * doing the work.
   */
  | { kind: 'timeout'; applied?: boolean; endpoint?: string; times?: number }
  /**
   * Destroys the socket without an answer. Nothing is applied unless `applied: true`: then the
   * request is applied first and the connection reset instead of the answer.
   */
  | { kind: 'reset'; applied?: boolean; endpoint?: string; times?: number }
  /** The request is applied, then answered with HTTP 200 and a body that is not an envelope. */
  | { kind: 'garbage'; body?: string; endpoint?: string; times?: number };

interface PendingFault {
  fault: FakePandaFault;
  remaining: number;
}

/** The default body of an `http-status` fault: what Apache or a proxy sends. */
export function proxyErrorPage(status: number): string {
  const reason: Record<number, string> = {
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  const title = `${status} ${reason[status] ?? 'Error'}`;
  return `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>${title}</title>\n</head><body>\n<h1>${reason[status] ?? 'Error'}</h1>\n<p>The proxy server received an invalid response from an upstream server.</p>\n</body></html>\n`;
}

export const DEFAULT_GARBAGE_BODY = '<html><body>upstream answered garbage</body></html>';

/** Faults waiting for requests, oldest first. */
export class FaultQueue {
  private readonly pending: PendingFault[] = [];

  add(fault: FakePandaFault): void {
    this.pending.push({ fault, remaining: fault.times ?? 1 });
  }

  clear(): void {
    this.pending.length = 0;
  }

  /** The fault that hits a request to `endpoint` (and uses one of its times), if any. */
  take(endpoint: string): FakePandaFault | undefined {
    const entry = this.pending.find(
      (f) => f.remaining > 0 && (f.fault.endpoint === undefined || f.fault.endpoint === endpoint),
    );
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.pending.splice(this.pending.indexOf(entry), 1);
    return entry.fault;
  }
}
