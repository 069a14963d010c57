// Uploaded logs: Harvester compresses them with zlib before sending; keep what a test wants to read.
import { gunzipSync, inflateSync } from 'node:zlib';

/** The bytes zlib- or gzip-decompressed, or as they are when they are not compressed. */
export function inflateUpload(content: Buffer): Buffer {
  for (const inflate of [inflateSync, gunzipSync]) {
    try {
      return inflate(content);
    } catch {
      // not this format
    }
  }
  return content;
}
