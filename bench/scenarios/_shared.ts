/** Constants shared by the socket scenarios' processes (importing `_server.ts` would start a server). */

/** The origin the load generator sends; the Kefu gateway allows exactly this one. */
export const BENCH_ORIGIN = 'http://bench.kefu.invalid';
