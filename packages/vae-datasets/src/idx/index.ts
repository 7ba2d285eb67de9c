export { sha256Hex, verifySha256 } from './checksum.js';
export { type FetchLike, type FetchOptions, fetchBytes } from './fetch-bytes.js';
export { type Gunzip, gunzipWeb, isGzip, maybeGunzip } from './gzip.js';
export { decodeIdxBytes, type LoadIdxOptions, loadIdx } from './load-idx.js';
export { encodeIdx, type IdxArray, type IdxDtype, parseIdx } from './parse-idx.js';
