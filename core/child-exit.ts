/**
 * How a process rtcstorm started (a fleet process, a bundled node, the WHEP host) ends itself. Only
 * bin/ and this helper call process.exit (eslint.config.mjs holds everything else to it).
 */

/** The process failed in a way its parent reads from the code (sysexits' EX_SOFTWARE). */
export const childFailed = 70;

/** Ends the child with `code`: 0 when its parent let go of it or told it to stop. */
export function endChild(code: 0 | typeof childFailed): never {
  // eslint-disable-next-line no-restricted-properties -- the one place a child ends itself
  process.exit(code);
}
