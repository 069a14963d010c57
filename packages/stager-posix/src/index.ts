// @harvester-ts/stager-posix: stage-in from and stage-out to POSIX storage with Rucio
// deterministic paths and adler32/md5 checks.
export {
  Adler32,
  adler32,
  adler32Hex,
  Crc32,
  crc32,
  type DigestRequest,
  digestFile,
  type ExpectedChecksum,
  expectedChecksum,
  type FileDigests,
} from './checksum.js';
export {
  assertComponent,
  flatPath,
  isWithin,
  rucioHashDirs,
  rucioPath,
  safeJoin,
  UnsafePathError,
  unsafeComponent,
} from './paths.js';
export {
  POSIX_COMPATIBILITY,
  PosixPreparator,
  type PosixPreparatorOptions,
  posixPreparatorOptions,
} from './preparator.js';
export { PosixStager, type PosixStagerOptions, posixStagerOptions } from './stager.js';
export { writeZip, ZipError, type ZipMember, type ZipResult } from './zip.js';
