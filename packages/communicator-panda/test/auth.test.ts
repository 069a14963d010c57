// Credential sources: token from env or file (re-read on change, last good token kept while the
// file is being replaced), X.509 files read at creation, per-host choice; secrets never in errors.
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecordingLogger } from '@harvester-ts/testkit';
import { AuthResolver, PandaCredentialError } from '../src/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'panda-auth-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  delete process.env.PANDA_TEST_TOKEN;
});

const url = (s: string) => new URL(s);

it('reads a token file again when it changes, and keeps the last token while it is missing', async () => {
  const logger = createRecordingLogger();
  const file = join(dir, 'token');
  await writeFile(file, 'first-token\n');
  const auth = await AuthResolver.create(
    { auth: { type: 'oidc', tokenFile: file, origin: 'atlas' }, hostAuth: {} },
    logger,
  );
  const source = auth.sourceFor(url('https://panda.example.org:25443/api'));
  expect((await source.get()).headers).toEqual({ Authorization: 'Bearer first-token', Origin: 'atlas' });
  await writeFile(file, 'the-second-token');
  expect((await source.get()).headers.Authorization).toBe('Bearer the-second-token');
  await unlink(file);
  expect((await source.get()).headers.Authorization).toBe('Bearer the-second-token');
  const text = JSON.stringify(logger.records);
  expect(text).toContain('token file unusable');
  expect(text).not.toContain('second-token');
  expect(text).not.toContain('first-token');
});

it('refuses to start without the token, the certificate or the key, naming the option and path', async () => {
  const logger = createRecordingLogger();
  await expect(
    AuthResolver.create(
      { auth: { type: 'oidc', tokenEnv: 'PANDA_TEST_TOKEN', origin: 'atlas' }, hostAuth: {} },
      logger,
    ),
  ).rejects.toThrow('auth: the environment variable PANDA_TEST_TOKEN is not set');
  const missing = join(dir, 'nope.pem');
  const err = await AuthResolver.create(
    {
      auth: { type: 'none' },
      hostAuth: { 'cache.example.org': { type: 'x509', certFile: missing, keyFile: missing } },
    },
    logger,
  ).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PandaCredentialError);
  expect((err as Error).message).toBe(
    `hostAuth.cache.example.org: cannot read the certificate file ${missing}: ENOENT`,
  );
  await writeFile(join(dir, 'bad'), 'line1\nline2');
  const bad = await AuthResolver.create(
    { auth: { type: 'oidc', tokenFile: join(dir, 'bad'), origin: 'atlas' }, hostAuth: {} },
    logger,
  ).catch((e: unknown) => e as Error);
  expect((bad as Error).message).toMatch(/contains control characters/);
  expect((bad as Error).message).not.toContain('line1');
});

it('refuses a token that cannot be an HTTP header value, naming where it comes from, not the token', async () => {
  const logger = createRecordingLogger();
  const create = (auth: Parameters<typeof AuthResolver.create>[0]['auth']) =>
    AuthResolver.create({ auth, hostAuth: {} }, logger).catch((e: unknown) => e as Error);
  process.env.PANDA_TEST_TOKEN = 'tok€n-value';
  const euro = await create({ type: 'oidc', tokenEnv: 'PANDA_TEST_TOKEN', origin: 'atlas' });
  expect(euro).toBeInstanceOf(PandaCredentialError);
  expect((euro as Error).message).toBe(
    'auth: the token in $PANDA_TEST_TOKEN contains characters not allowed in an HTTP header (outside Latin-1)',
  );
  process.env.PANDA_TEST_TOKEN = 'first-half\r\nX-Injected: 1';
  const crlf = await create({ type: 'oidc', tokenEnv: 'PANDA_TEST_TOKEN', origin: 'atlas' });
  expect((crlf as Error).message).toBe(
    'auth: the token in $PANDA_TEST_TOKEN contains control characters (e.g. a line break) not allowed in an HTTP header',
  );
  const file = join(dir, 'token');
  await writeFile(file, 'ünïcödé-is-latin1-but-→-is-not\n');
  const arrow = await create({ type: 'oidc', tokenFile: file, origin: 'atlas' });
  expect((arrow as Error).message).toBe(
    `auth: the token in ${file} contains characters not allowed in an HTTP header (outside Latin-1)`,
  );
  for (const err of [euro, crlf, arrow])
    expect((err as Error).message).not.toMatch(/tok€n|first-half|Injected|latin1-but/);
  // Latin-1 is allowed (Node sends it as is).
  await writeFile(file, 'caf\u00e9-token');
  const fine = await AuthResolver.create(
    { auth: { type: 'oidc', tokenFile: file, origin: 'atlas' }, hostAuth: {} },
    logger,
  );
  expect((await fine.sourceFor(url('https://x')).get()).headers.Authorization).toBe('Bearer caf\u00e9-token');
  // A renewed file with a bad token: the last good token is kept, with a warning naming the file.
  await writeFile(file, 'bad\u2192token');
  expect((await fine.sourceFor(url('https://x')).get()).headers.Authorization).toBe('Bearer caf\u00e9-token');
  expect(logger.records.at(-1)?.msg).toBe('token file unusable; using the last token read');
  expect(String(logger.records.at(-1)?.fields.err)).toMatch(/outside Latin-1/);
});

it('picks credentials per host:port, then host, then the default', async () => {
  process.env.PANDA_TEST_TOKEN = 'env-token';
  const file = join(dir, 't');
  await writeFile(file, 'file-token');
  const auth = await AuthResolver.create(
    {
      auth: { type: 'none' },
      hostAuth: {
        'panda.example.org:25443': { type: 'oidc', tokenEnv: 'PANDA_TEST_TOKEN', origin: 'atlas' },
        'cache.example.org': { type: 'oidc', tokenFile: file, origin: 'cms' },
      },
    },
    createRecordingLogger(),
  );
  const header = async (u: string) => (await auth.sourceFor(url(u)).get()).headers;
  expect(await header('https://panda.example.org:25443/x')).toEqual({
    Authorization: 'Bearer env-token',
    Origin: 'atlas',
  });
  expect(await header('https://panda.example.org/x')).toEqual({});
  expect(await header('https://CACHE.example.org:8443/x')).toEqual({
    Authorization: 'Bearer file-token',
    Origin: 'cms',
  });
});
