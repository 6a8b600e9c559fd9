/** `pnpm --filter @kefu/adapter-web build:widget`: writes dist/widget.js and prints its size. */
import { WIDGET_BUNDLE, buildWidget } from './widget-build.js';

const built = await buildWidget({ outfile: WIDGET_BUNDLE });
console.log(`dist/widget.js: ${(built.bytes / 1024).toFixed(1)} KiB minified, ${(built.gzipBytes / 1024).toFixed(1)} KiB gzipped`);
