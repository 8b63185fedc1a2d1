/**
 * The V8 flags every loader process runs with: each fleet process, and `npm run bench`, whose
 * process is the loader it measures (bench/run.ts refuses to run without them).
 *
 * A join storm keeps every new peer connection's objects alive across young-generation collections,
 * and each scavenge copies them. With V8's default semi-space (16 MB) a 256-bot storm made about 60
 * scavenges, 1.9 ms of collection per peer connection; with 64 MB, 23 scavenges and 1.4 ms. The cost
 * is up to 128 MB more of young generation per process, which only fills under that load.
 */
export const loaderNodeFlags: readonly string[] = ['--max-semi-space-size=64'];
