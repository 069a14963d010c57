import { createHash, randomBytes } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  Adler32,
  adler32,
  adler32Hex,
  crc32,
  digestFile,
  expectedChecksum,
  rucioPath,
  UnsafePathError,
  unsafeComponent,
} from '../src/index.js';
import { ensureDirUnder } from '../src/paths.js';
import { hex8, naiveAdler32, tempBase } from './helpers.js';

describe('adler32', () => {
  it('matches the known vector adler32("Wikipedia") = 0x11E60398', () => {
    expect(adler32('Wikipedia')).toBe(0x11e60398);
    expect(adler32Hex('Wikipedia')).toBe('11e60398');
    expect(adler32(new Uint8Array())).toBe(1);
  });

  it('matches an independent implementation on large worst-case and random data, in chunks', () => {
    const ff = new Uint8Array(200_000).fill(0xff);
    expect(adler32(ff)).toBe(naiveAdler32(ff));
    const rnd = randomBytes(123_457);
    const inc = new Adler32();
    for (let i = 0; i < rnd.length; i += 7_919) inc.update(rnd.subarray(i, i + 7_919));
    expect(inc.value).toBe(naiveAdler32(rnd));
    expect(inc.hex).toBe(hex8(naiveAdler32(rnd)));
  });

  it('streams files: size, adler32, md5 and crc32 in one read', async () => {
    const { base, cleanup } = await tempBase();
    try {
      const data = randomBytes(300_000);
      const p = join(base, 'f');
      await writeFile(p, data);
      const d = await digestFile(p, { md5: true, crc32: true });
      expect(d.size).toBe(data.length);
      expect(d.adler32).toBe(hex8(naiveAdler32(data)));
      expect(d.md5).toBe(createHash('md5').update(data).digest('hex'));
      // CRC-32 of "123456789" is 0xCBF43926.
      expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
      expect(d.crc32).toBe(crc32(data));
    } finally {
      await cleanup();
    }
  });

  it('parses PanDA checksums', () => {
    expect(expectedChecksum('ad:0abc')).toEqual({ kind: 'adler32', digest: '00000abc', text: 'ad:0abc' });
    expect(expectedChecksum(`md5:${'A'.repeat(32)}`)).toMatchObject({ kind: 'md5', digest: 'a'.repeat(32) });
    expect(expectedChecksum(`md:${'b'.repeat(32)}`)).toMatchObject({ kind: 'md5' });
    expect(expectedChecksum(null)).toEqual({ kind: 'none' });
    expect(expectedChecksum('NULL')).toEqual({ kind: 'none' });
    expect(expectedChecksum('sha1:xyz')).toMatchObject({ kind: 'invalid' });
  });
});

describe('rucioPath', () => {
  it('builds <root>/<scope>/<md5[0:2]>/<md5[2:4]>/<lfn> from md5("scope:lfn")', () => {
    const scope = 'mc23_13p6TeV';
    const lfn = 'EVNT.37654321._000001.pool.root.1';
    const h = createHash('md5').update(`${scope}:${lfn}`).digest('hex');
    expect(rucioPath('/data/rucio', scope, lfn)).toBe(
      `/data/rucio/${scope}/${h.slice(0, 2)}/${h.slice(2, 4)}/${lfn}`,
    );
    // A known example: md5("user.jdoe:test.txt") directories, scope dots become directories.
    const hu = createHash('md5').update('user.jdoe:test.txt').digest('hex');
    expect(rucioPath('/r', 'user.jdoe', 'test.txt')).toBe(
      `/r/user/jdoe/${hu.slice(0, 2)}/${hu.slice(2, 4)}/test.txt`,
    );
    expect(rucioPath('rel', 'panda', 'x')).toBe(
      resolve(
        'rel',
        'panda',
        ...[
          createHash('md5').update('panda:x').digest('hex').slice(0, 2),
          createHash('md5').update('panda:x').digest('hex').slice(2, 4),
        ],
        'x',
      ),
    );
  });

  it.each([
    ['mc23', '../../etc/passwd'],
    ['mc23', '/etc/passwd'],
    ['mc23', '..'],
    ['mc23', 'a\nb'],
    ['mc23', 'a\0b'],
    ['mc23', ''],
    ['..', 'x'],
    ['/abs', 'x'],
    ['user..', 'x'],
    ['sc\nope', 'x'],
  ])('refuses hostile scope %j / LFN %j', (scope, lfn) => {
    expect(() => rucioPath('/data', scope, lfn)).toThrow(UnsafePathError);
  });

  it('names why a component is unsafe', () => {
    expect(unsafeComponent('a/b')).toMatch(/separator/);
    expect(unsafeComponent('/a')).toMatch(/absolute/);
    expect(unsafeComponent('a\r')).toMatch(/newline/);
    expect(unsafeComponent('EVNT.1._000001.pool.root.1')).toBeUndefined();
  });

  it('refuses to create directories through a symlink leading out of the root', async () => {
    const { base, cleanup } = await tempBase();
    try {
      const root = join(base, 'root');
      const outside = join(base, 'outside');
      await mkdir(root, { recursive: true });
      await mkdir(outside);
      await symlink(outside, join(root, 'evil'));
      await expect(ensureDirUnder(root, join(root, 'evil', 'x'))).rejects.toThrow(UnsafePathError);
      await expect(ensureDirUnder(root, join(root, 'good', 'x'))).resolves.toBeUndefined();
    } finally {
      await cleanup();
    }
  });
});
