#!/usr/bin/env node
// Runs before `npm start` and `npm test` (npm's pre-scripts), with no dependency of its own:
// installs the npm packages when node_modules is missing or older than package-lock.json,
// and, with --browser, Debian's Chromium for the browser tests. Everything else (Kafka jars,
// the FerretDB binary) is provisioned by tools/runtime on first use.
'use strict';
const { execSync, spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const stamp = path.join(root, 'node_modules', '.storefront-lock-hash');

function fail(message) {
  process.stderr.write(`storefront: ${message}\n`);
  process.exit(1);
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  fail(`Node.js ${process.versions.node} is too old: install Node.js 20.19 or newer`);
}

const lock = fs.readFileSync(path.join(root, 'package-lock.json'));
const hash = createHash('sha256').update(lock).digest('hex');
const installed = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8').trim() : '';
if (installed !== hash) {
  process.stdout.write('storefront: installing npm packages (npm ci)…\n');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) fail('npm ci failed: see the output above');
  fs.writeFileSync(stamp, `${hash}\n`);
}

if (
  process.argv.includes('--browser') &&
  !process.env.CHROMIUM_PATH &&
  !fs.existsSync('/usr/bin/chromium')
) {
  if (process.getuid && process.getuid() !== 0) {
    fail(
      'Chromium is missing for the browser tests: run `sudo apt-get install -y chromium` (or set CHROMIUM_PATH)',
    );
  }
  process.stdout.write("storefront: installing Debian's chromium for the browser tests…\n");
  try {
    execSync(
      'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null',
      {
        stdio: 'inherit',
        shell: '/bin/bash',
      },
    );
  } catch {
    fail('could not install chromium with apt-get: install it by hand or set CHROMIUM_PATH');
  }
}
