// Copies the browser libraries the pages use from node_modules (as web/package-lock.json pins them) into
// static/vendor/, which the server embeds (server/http/CMakeLists.txt): building the server needs no npm, and the
// pages load nothing from outside the server. Run after changing a version in package.json: npm install && npm run
// vendor. web/tests/vendor.test.mjs fails while a copy differs from the locked package.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

// [package, file in the package, file under static/vendor/]
export const VENDORED = [
  ['leaflet', 'dist/leaflet.js', 'leaflet/leaflet.js'],
  ['leaflet', 'dist/leaflet.css', 'leaflet/leaflet.css'],
  ['leaflet', 'LICENSE', 'leaflet/LICENSE.txt'],
];

export const packageFile = (pkg, file) => join(here, 'node_modules', pkg, file);
export const vendoredFile = (file) => join(here, 'static', 'vendor', file);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [pkg, from, to] of VENDORED) {
    mkdirSync(dirname(vendoredFile(to)), { recursive: true });
    copyFileSync(packageFile(pkg, from), vendoredFile(to));
    console.log(`static/vendor/${to} <- node_modules/${pkg}/${from}`);
  }
}
