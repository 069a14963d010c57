// Credentials per server: an OIDC bearer token (env var or file, the file re-read when it changes)
// with its Origin, or an X.509 client certificate and key (re-read when they change: grid proxies
// are renewed in place), chosen per host[:port] with `hostAuth` overriding `auth`. Token values
// and key material never appear in a log record or an error message; errors name the path or the
// variable only.
import { readFile, stat } from 'node:fs/promises';
import { errorText, HarvesterError, type PluginLogger } from '@harvester-ts/core';
import type { PandaAuthOptions, PandaCommunicatorOptions } from './options.js';

/** A credential file or variable that cannot be used; the message names it, never its content. */
export class PandaCredentialError extends HarvesterError {
  constructor(message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('PANDA_CREDENTIALS', message, context, options);
  }
}

/** What one request carries to authenticate itself. */
export interface Credentials {
  /** Headers to add (Authorization, Origin). */
  headers: Record<string, string>;
  /**
   * Client certificate and key; `name` identifies the configured files, `id` changes whenever
   * their content does (so connections are re-made with a renewed certificate).
   */
  tls?: { cert: Buffer; key: Buffer; name: string; id: string };
}

export interface CredentialSource {
  /** How the credentials are configured (safe to log: kind and path/variable name). */
  readonly description: string;
  get(): Promise<Credentials>;
}

function fileError(what: string, path: string, err: unknown): PandaCredentialError {
  const code = (err as { code?: unknown })?.code;
  const why = typeof code === 'string' ? code : errorText(err);
  return new PandaCredentialError(`cannot read the ${what} ${path}: ${why}`, { path }, { cause: err });
}

/** A file read again only when its identity, mtime or size changed. */
export class WatchedFile {
  private stamp: string | undefined;
  private content: Buffer | undefined;

  constructor(
    readonly path: string,
    private readonly what: string,
  ) {}

  /** The content, re-read if the file changed since the last read; throws PandaCredentialError. */
  async read(): Promise<{ content: Buffer; stamp: string; changed: boolean }> {
    let stamp: string;
    try {
      const s = await stat(this.path);
      stamp = `${s.ino}:${s.mtimeMs}:${s.size}`;
    } catch (err) {
      throw fileError(this.what, this.path, err);
    }
    if (stamp === this.stamp && this.content !== undefined)
      return { content: this.content, stamp, changed: false };
    let content: Buffer;
    try {
      content = await readFile(this.path);
    } catch (err) {
      throw fileError(this.what, this.path, err);
    }
    this.stamp = stamp;
    this.content = content;
    return { content, stamp, changed: true };
  }
}

/**
 * A token usable in an HTTP header: not empty, no line breaks or other control characters, and
 * nothing outside Latin-1 (Node refuses such a header value in every request). The error names
 * where the token comes from, never the token.
 */
function checkToken(token: string, where: string, context: Record<string, unknown>): string {
  if (token === '') throw new PandaCredentialError(`the token in ${where} is empty`, context);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(token))
    throw new PandaCredentialError(
      `the token in ${where} contains control characters (e.g. a line break) not allowed in an HTTP header`,
      context,
    );
  if (/[^\t\u0020-\u00ff]/.test(token))
    throw new PandaCredentialError(
      `the token in ${where} contains characters not allowed in an HTTP header (outside Latin-1)`,
      context,
    );
  return token;
}

class NoCredentials implements CredentialSource {
  readonly description = 'none';
  get(): Promise<Credentials> {
    return Promise.resolve({ headers: {} });
  }
}

class TokenFromEnv implements CredentialSource {
  readonly description: string;
  constructor(
    private readonly variable: string,
    private readonly origin: string,
  ) {
    this.description = `oidc token from $${variable} (origin ${origin})`;
  }

  get(): Promise<Credentials> {
    const context = { tokenEnv: this.variable };
    const raw = process.env[this.variable];
    if (raw === undefined)
      return Promise.reject(
        new PandaCredentialError(`the environment variable ${this.variable} is not set`, context),
      );
    try {
      const token = checkToken(raw.trim(), `$${this.variable}`, context);
      return Promise.resolve({ headers: { Authorization: `Bearer ${token}`, Origin: this.origin } });
    } catch (err) {
      return Promise.reject(err);
    }
  }
}

class TokenFromFile implements CredentialSource {
  readonly description: string;
  private readonly file: WatchedFile;
  private token: string | undefined;

  constructor(
    path: string,
    private readonly origin: string,
    private readonly logger: PluginLogger,
  ) {
    this.file = new WatchedFile(path, 'token file');
    this.description = `oidc token from ${path} (origin ${origin})`;
  }

  async get(): Promise<Credentials> {
    const context = { tokenFile: this.file.path };
    try {
      const { content, changed } = await this.file.read();
      if (changed || this.token === undefined) {
        this.token = checkToken(content.toString('utf8').trim(), this.file.path, context);
        if (changed) this.logger.info(context, 'token file (re-)read');
      }
    } catch (err) {
      // Being replaced (missing or half-written for a moment): the last good token is still the
      // best guess; the server says whether it has expired.
      if (this.token === undefined) throw err;
      this.logger.warn({ ...context, err: errorText(err) }, 'token file unusable; using the last token read');
    }
    return { headers: { Authorization: `Bearer ${this.token}`, Origin: this.origin } };
  }
}

class X509Credentials implements CredentialSource {
  readonly description: string;
  private readonly certFile: WatchedFile;
  private readonly keyFile: WatchedFile;
  private last: Credentials['tls'];

  constructor(
    certPath: string,
    keyPath: string,
    private readonly logger: PluginLogger,
  ) {
    this.certFile = new WatchedFile(certPath, 'certificate file');
    this.keyFile = new WatchedFile(keyPath, 'key file');
    this.description = `x509 certificate ${certPath}, key ${keyPath}`;
  }

  async get(): Promise<Credentials> {
    try {
      const cert = await this.certFile.read();
      const key = await this.keyFile.read();
      if (cert.content.length === 0 || key.content.length === 0)
        throw new PandaCredentialError(
          `the certificate ${this.certFile.path} or key ${this.keyFile.path} is empty`,
          {
            certFile: this.certFile.path,
            keyFile: this.keyFile.path,
          },
        );
      const id = `${this.certFile.path}@${cert.stamp}|${this.keyFile.path}@${key.stamp}`;
      if (this.last !== undefined && this.last.id !== id)
        this.logger.info({ certFile: this.certFile.path }, 'client certificate changed; re-read');
      this.last = {
        cert: cert.content,
        key: key.content,
        name: `${this.certFile.path}|${this.keyFile.path}`,
        id,
      };
    } catch (err) {
      // A proxy being renewed: keep the previous pair until the new one is readable.
      if (this.last === undefined) throw err;
      this.logger.warn(
        { certFile: this.certFile.path, err: errorText(err) },
        'client certificate unusable; using the last one read',
      );
    }
    return { headers: {}, tls: this.last };
  }
}

function sourceFor(auth: PandaAuthOptions, logger: PluginLogger): CredentialSource {
  switch (auth.type) {
    case 'none':
      return new NoCredentials();
    case 'x509':
      return new X509Credentials(auth.certFile, auth.keyFile, logger);
    case 'oidc':
      return auth.tokenFile !== undefined
        ? new TokenFromFile(auth.tokenFile, auth.origin, logger)
        : new TokenFromEnv(auth.tokenEnv ?? '', auth.origin);
  }
}

/** `host:port` of a URL, the port made explicit. */
export function hostPortOf(url: URL): string {
  const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
  return `${url.hostname.toLowerCase()}:${port}`;
}

/** Picks the credentials of each URL: hostAuth[host:port], then hostAuth[host], then auth. */
export class AuthResolver {
  private constructor(
    private readonly fallback: CredentialSource,
    private readonly perHost: Map<string, CredentialSource>,
  ) {}

  /**
   * Builds every configured source and reads it once, so that a missing certificate, key, token
   * file or variable stops the start with a message naming it (PandaCredentialError).
   */
  static async create(
    options: Pick<PandaCommunicatorOptions, 'auth' | 'hostAuth'>,
    logger: PluginLogger,
  ): Promise<AuthResolver> {
    const fallback = sourceFor(options.auth, logger);
    const perHost = new Map<string, CredentialSource>();
    for (const [host, auth] of Object.entries(options.hostAuth)) perHost.set(host, sourceFor(auth, logger));
    for (const [where, source] of [
      ['auth', fallback] as const,
      ...[...perHost].map(([h, s]) => [`hostAuth.${h}`, s] as const),
    ]) {
      try {
        await source.get();
      } catch (err) {
        if (err instanceof PandaCredentialError)
          throw new PandaCredentialError(
            `${where}: ${err.message}`,
            { ...err.context, option: where },
            { cause: err },
          );
        throw err;
      }
    }
    return new AuthResolver(fallback, perHost);
  }

  sourceFor(url: URL): CredentialSource {
    const hostPort = hostPortOf(url);
    return this.perHost.get(hostPort) ?? this.perHost.get(url.hostname.toLowerCase()) ?? this.fallback;
  }
}
