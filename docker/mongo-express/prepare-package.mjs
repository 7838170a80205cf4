// Rewrites the package.json of the mongo-express npm tarball so that npm can install it from
// the npm registry alone. Run in the unpacked package folder: node prepare-package.mjs [version]
//
// Upstream builds with yarn 4 from git; its manifest has two dependencies npm cannot resolve
// without GitHub or yarn:
//   bootstrap-paginator   github:rtritto/bootstrap-paginator#develop -> the npm package
//                         bootstrap-paginator@1.0.2 (lyonlai's original; the fork only drops an
//                         unused variable). Front-end only (bundled by webpack), so it moves to
//                         the build dependencies.
//   mongodb-query-parser  patch:mongodb-query-parser@npm%3A2.4.6#... -> plain 2.4.6; its yarn
//                         patch (and those of ejson-shell-parser and renderjson) are applied
//                         with patch(1) after the install (the Dockerfile).
// The dev dependencies shrink to what `webpack` needs (no cypress, mongodb-memory-server, eslint,
// mocha: their install scripts download binaries), and nyc (test coverage, never imported) leaves
// the runtime dependencies. html-entities is pinned to 2.3.3 (see below). package-lock.json beside this script is the lock of the result.
import fs from 'node:fs';

const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const expected = process.argv[2];
if (expected && pkg.version !== expected) {
  throw new Error(`package.json says mongo-express ${pkg.version}, expected ${expected}`);
}

const BUILD_TOOLS = [
  '@babel/core',
  '@babel/preset-env',
  'assets-webpack-plugin',
  'babel-loader',
  'bootstrap',
  'clean-webpack-plugin',
  'codemirror',
  'copy-webpack-plugin',
  'jquery',
  'webpack',
  'webpack-cli',
];

const deps = { ...pkg.dependencies };
delete deps['bootstrap-paginator'];
delete deps.nyc;
deps['mongodb-query-parser'] = '2.4.6';
// ^2.3.3 now resolves to 2.6, whose ESM build has no default export, which
// lib/scripts/collection.js imports; 2.3.3 is the version upstream's range was written for.
deps['html-entities'] = '2.3.3';

const devDeps = Object.fromEntries(
  BUILD_TOOLS.map((name) => {
    if (!pkg.devDependencies[name]) throw new Error(`no devDependency ${name} in package.json`);
    return [name, pkg.devDependencies[name]];
  }),
);
devDeps['bootstrap-paginator'] = '1.0.2';
devDeps.renderjson = '1.4.0'; // patch:renderjson@npm%3A1.4.0#... upstream

const sorted = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

const out = {
  name: pkg.name,
  version: pkg.version,
  description: pkg.description,
  license: pkg.license,
  type: pkg.type,
  dependencies: sorted(deps),
  devDependencies: sorted(devDeps),
  // upstream's yarn "resolutions" patch ejson-shell-parser 1.1.3; pin it so the patch applies.
  overrides: { 'ejson-shell-parser': '1.1.3' },
  engines: pkg.engines,
};
fs.writeFileSync('package.json', JSON.stringify(out, null, 2) + '\n');
