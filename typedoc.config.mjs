// The API reference of every package, generated into docs/api. Warnings are errors so an
// undocumented or unexported type in a public signature fails `pnpm docs`.
import { existsSync, readdirSync } from 'node:fs';

const roots = ['packages', 'packages/adapters', 'packages/plugins'];
const entryPoints = roots
  .flatMap((root) => (existsSync(root) ? readdirSync(root).map((name) => `${root}/${name}/src/index.ts`) : []))
  .filter((file) => existsSync(file))
  // The console is a web page, not a library: its API is the server's REST API.
  .filter((file) => !file.startsWith('packages/console/'));

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'Kefu API reference',
  entryPoints,
  entryPointStrategy: 'resolve',
  out: 'docs/api',
  tsconfig: './tsconfig.json',
  readme: 'none',
  treatWarningsAsErrors: true,
  excludePrivate: true,
  excludeInternal: true,
  excludeExternals: true,
  validation: { notExported: true, invalidLink: true, notDocumented: false },
  // No public git remote here: source links would be broken links.
  disableSources: true,
  logLevel: 'Warn',
};
