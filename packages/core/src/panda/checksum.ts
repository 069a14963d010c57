// File checksums as PanDA writes them: `ad:<adler32 hex>` or `md5:<md5 hex>` (`md:` in
// Harvester's own FileSpecs). Older records carry the bare hex digest; Harvester treats an
// unprefixed value as adler32 when it reports files, so a bare 8-digit value is adler32 and a
// bare 32-digit value is md5.

export type PandaChecksumAlgorithm = 'adler32' | 'md5';

export interface PandaChecksum {
  algorithm: PandaChecksumAlgorithm;
  /** The hex digest, lower case, without prefix. */
  digest: string;
}

const ADLER32 = /^ad:([0-9a-f]{1,8})$/i;
const MD5 = /^(?:md5|md):([0-9a-f]{32})$/i;
const BARE_ADLER32 = /^([0-9a-f]{8})$/i;
const BARE_MD5 = /^([0-9a-f]{32})$/i;

/** Parses a PanDA checksum; undefined when the value is not one of the accepted forms. */
export function parsePandaChecksum(value: string): PandaChecksum | undefined {
  const s = value.trim();
  for (const [re, algorithm] of [
    [ADLER32, 'adler32'],
    [MD5, 'md5'],
    [BARE_ADLER32, 'adler32'],
    [BARE_MD5, 'md5'],
  ] as const) {
    const m = re.exec(s);
    if (m?.[1] !== undefined) return { algorithm, digest: m[1].toLowerCase() };
  }
  return undefined;
}

/** True when `parsePandaChecksum` accepts the value. */
export function isPandaChecksum(value: string): boolean {
  return parsePandaChecksum(value) !== undefined;
}

/** The digest without its `ad:`/`md:`/`md5:` prefix (what the output file report carries). */
export function checksumDigest(value: string): string {
  return value.slice(value.lastIndexOf(':') + 1);
}
