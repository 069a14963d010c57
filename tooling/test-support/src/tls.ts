// A throwaway PKI for tests over HTTPS: a CA, a server certificate for 127.0.0.1/localhost and a
// client certificate signed by it, plus a client certificate from an unrelated CA (for "an untrusted
// certificate is refused"). Made with the openssl CLI (OpenSSL 3 is on the test machines and in
// Debian's base image) so no dependency is needed; EC P-256 keys keep it fast.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPki {
  /** PEM texts. */
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** The client certificate's subject, as `openssl x509 -subject` prints it (RFC 2253 order). */
  clientSubject: string;
  /** A client certificate and key signed by another CA (not trusted by `caCert`). */
  untrustedClientCert: string;
  untrustedClientKey: string;
  /** The same files on disk, for code that takes paths. */
  paths: {
    dir: string;
    caCert: string;
    caKey: string;
    serverCert: string;
    serverKey: string;
    clientCert: string;
    clientKey: string;
    untrustedCaCert: string;
    untrustedClientCert: string;
    untrustedClientKey: string;
  };
}

export interface MakeTestPkiOptions {
  /** Extra subjectAltName entries of the server certificate (default: IP:127.0.0.1, IP:::1, DNS:localhost). */
  serverAltNames?: string[];
  /** Subject of the client certificate (default `/DC=test/OU=Users/CN=harvester test client`). */
  clientSubject?: string;
  /** Validity in days (default 2). */
  days?: number;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd: dir });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${(err.stderr ?? '').trim() || err.message}`);
  }
}

async function newKey(dir: string, file: string): Promise<void> {
  await openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
}

async function selfSignedCa(dir: string, name: string, subject: string, days: number): Promise<void> {
  await newKey(dir, `${name}.key`);
  await openssl(dir, [
    'req',
    '-x509',
    '-new',
    '-key',
    `${name}.key`,
    '-subj',
    subject,
    '-days',
    String(days),
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    `${name}.pem`,
  ]);
}

let serial = Date.now();

async function signedCert(
  dir: string,
  name: string,
  ca: string,
  subject: string,
  extensions: string,
  days: number,
): Promise<void> {
  await newKey(dir, `${name}.key`);
  await openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`]);
  await writeFile(join(dir, `${name}.ext`), extensions);
  serial += 1;
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-set_serial',
    String(serial),
    '-days',
    String(days),
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.pem`,
  ]);
}

/**
 * Makes a CA, a server certificate (subjectAltName 127.0.0.1, ::1, localhost) and client
 * certificates in `dir` (created if missing). Each call makes new keys.
 */
export async function makeTestPki(dir: string, options: MakeTestPkiOptions = {}): Promise<TestPki> {
  const days = options.days ?? 2;
  const altNames = ['IP:127.0.0.1', 'IP:::1', 'DNS:localhost', ...(options.serverAltNames ?? [])];
  const clientSubject = options.clientSubject ?? '/DC=test/OU=Users/CN=harvester test client';
  await mkdir(dir, { recursive: true });
  await selfSignedCa(dir, 'ca', '/O=harvester-ts test/CN=harvester-ts test CA', days);
  await selfSignedCa(dir, 'other-ca', '/O=elsewhere/CN=unrelated test CA', days);
  await signedCert(
    dir,
    'server',
    'ca',
    '/O=harvester-ts test/CN=localhost',
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${altNames.join(',')}`,
      '',
    ].join('\n'),
    days,
  );
  const clientExt = [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=clientAuth',
    '',
  ].join('\n');
  await signedCert(dir, 'client', 'ca', clientSubject, clientExt, days);
  await signedCert(dir, 'untrusted-client', 'other-ca', clientSubject, clientExt, days);
  const { stdout } = await run(
    'openssl',
    ['x509', '-in', 'client.pem', '-noout', '-subject', '-nameopt', 'RFC2253'],
    {
      cwd: dir,
    },
  );
  const paths = {
    dir,
    caCert: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    untrustedCaCert: join(dir, 'other-ca.pem'),
    untrustedClientCert: join(dir, 'untrusted-client.pem'),
    untrustedClientKey: join(dir, 'untrusted-client.key'),
  };
  const text = (path: string): Promise<string> => readFile(path, 'utf8');
  return {
    caCert: await text(paths.caCert),
    caKey: await text(paths.caKey),
    serverCert: await text(paths.serverCert),
    serverKey: await text(paths.serverKey),
    clientCert: await text(paths.clientCert),
    clientKey: await text(paths.clientKey),
    clientSubject: stdout.trim().replace(/^subject=\s*/, ''),
    untrustedClientCert: await text(paths.untrustedClientCert),
    untrustedClientKey: await text(paths.untrustedClientKey),
    paths,
  };
}
