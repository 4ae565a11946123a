// The libraries under web/static/vendor (embedded in the server) are exactly the npm packages web/package-lock.json
// pins: a version bump without `npm run vendor`, or a hand edit of a copy, fails here. In node, no browser.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { VENDORED, packageFile, vendoredFile } from '../vendor.mjs';

const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url)));
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url)));

for (const [pkg, from, to] of VENDORED) {
  test(`static/vendor/${to} is ${pkg}'s ${from} as locked`, { skip: !existsSync(packageFile(pkg, from)) && 'npm ci first' }, () => {
    const installed = JSON.parse(readFileSync(packageFile(pkg, 'package.json')));
    assert.equal(installed.version, lock.packages[`node_modules/${pkg}`].version, `node_modules/${pkg} is not the locked version: npm ci`);
    assert.equal(manifest.dependencies[pkg], installed.version, `package.json pins ${pkg} to an exact version`);
    assert.ok(readFileSync(vendoredFile(to)).equals(readFileSync(packageFile(pkg, from))), `static/vendor/${to} differs: npm run vendor`);
  });
}
