// Who a request is, decided like the real server: an OIDC bearer token is checked before
// anything else (a bad one is HTTP 403 for every endpoint, even those needing no auth); an X.509
// client certificate verified against the CA counts as a secure connection; with neither, the
// endpoints that need auth answer "SSL secure connection is required".
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export interface FakePandaAuthOptions {
  /** Accepted bearer token -> the VO its Origin header must name. */
  tokens?: Record<string, string>;
  /** Accept a client certificate verified against `tls.ca`. */
  clientCertificates?: boolean;
}

export type AuthDecision =
  /** The request may go on; `secure` is what the real server's is_secure() would say. */
  | { kind: 'token' | 'certificate' | 'none'; secure: boolean; dn: string | null }
  /** HTTP 403 before the method runs. */
  | { kind: 'refused'; message: string };

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function certificateDn(req: IncomingMessage): string | null {
  const socket = req.socket as Partial<TLSSocket>;
  if (!socket.encrypted || socket.authorized !== true || typeof socket.getPeerCertificate !== 'function') {
    return null;
  }
  const subject = socket.getPeerCertificate().subject as unknown as
    | Record<string, string | string[]>
    | undefined;
  if (!subject) return null;
  // Apache's SSL_CLIENT_S_DN style: /DC=ch/OU=Users/CN=name
  return Object.entries(subject)
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `/${k}=${x}`))
    .join('');
}

/** Decides a request's identity; `auth` undefined means the server checks nothing. */
export function authenticate(req: IncomingMessage, auth: FakePandaAuthOptions | undefined): AuthDecision {
  if (auth === undefined) return { kind: 'none', secure: true, dn: null };
  const dn = auth.clientCertificates ? certificateDn(req) : null;
  const authorization = header(req, 'authorization');
  if (authorization !== undefined && auth.tokens !== undefined) {
    const token = authorization.split(/\s+/).filter((s) => s !== '')[1];
    // A header without a second word makes the real server's request object fail before any
    // decision, which leaves the request unauthenticated but not refused.
    if (token !== undefined) {
      const origin = header(req, 'origin');
      const vos = new Set(Object.values(auth.tokens));
      if (origin === undefined) {
        return {
          kind: 'refused',
          message:
            "Token authentication failed. Token decode failure. 'NoneType' object has no attribute 'replace'",
        };
      }
      const vo = origin.replace(/:/g, '.').split('.')[0] ?? origin;
      if (!vos.has(origin) && !vos.has(vo)) {
        return { kind: 'refused', message: `Token authentication failed. Unknown vo : ${origin}` };
      }
      const expected = Object.hasOwn(auth.tokens, token) ? auth.tokens[token] : undefined;
      if (expected === undefined) {
        return {
          kind: 'refused',
          message: 'Token authentication failed. Token decode failure. Signature verification failed',
        };
      }
      if (expected !== origin) {
        return {
          kind: 'refused',
          message: `Token authentication failed. Token decode failure. Invalid audience for ${origin}`,
        };
      }
      return { kind: 'token', secure: true, dn: dn ?? `token:${token.slice(0, 8)}` };
    }
  }
  if (dn !== null) return { kind: 'certificate', secure: true, dn };
  return { kind: 'none', secure: false, dn: null };
}
