/**
 * @kefu/cli — the `kefu` command line: `kefu bot eval` and `kefu bot import`.
 *
 * @packageDocumentation
 */
export * from './cli.js';
