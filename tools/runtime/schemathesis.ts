/**
 * Schemathesis (PyPI) in a project-local virtualenv under .cache/: created with the machine's
 * python3 (3.9 or later; PYTHON overrides it), the pinned version installed from
 * infra/schemathesis/ with every dependency constrained, and reused while those files are
 * unchanged.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { hashFiles, isCached, writeMarker } from './cache';
import { CACHE_DIR, INFRA_DIR } from './paths';

const SOURCE_DIR = path.join(INFRA_DIR, 'schemathesis');

function run(command: string, args: readonly string[], what: string): void {
  const result = spawnSync(command, args, { encoding: 'utf8', stdio: 'pipe' });
  if (result.status !== 0) {
    throw new Error(
      `${what} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stdout}${result.stderr}`,
    );
  }
}

/** The `st` executable, provisioning the virtualenv first when needed. */
export function ensureSchemathesis(log: (line: string) => void = () => {}): string {
  // A virtualenv records its own absolute path: create it at the cache's real path, so a
  // .cache that is a symlink (shared by worktrees) holds one that works from anywhere.
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const home = path.join(fs.realpathSync(CACHE_DIR), 'schemathesis');
  const venvDir = path.join(home, 'venv');
  const marker = path.join(home, 'provisioned.json');
  const requirements = path.join(SOURCE_DIR, 'requirements.txt');
  const constraints = path.join(SOURCE_DIR, 'constraints.txt');
  const st = path.join(venvDir, 'bin', 'st');
  const inputs = hashFiles([requirements, constraints]);
  if (isCached(marker, inputs)) return st;
  log('schemathesis: creating the virtualenv (once)…');
  fs.rmSync(venvDir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(venvDir), { recursive: true });
  run(process.env.PYTHON ?? 'python3', ['-m', 'venv', venvDir], 'python3 -m venv');
  run(
    path.join(venvDir, 'bin', 'pip'),
    ['install', '--quiet', '--disable-pip-version-check', '-r', requirements, '-c', constraints],
    'pip install schemathesis',
  );
  writeMarker(marker, { inputsSha256: inputs, outputs: [path.relative(path.dirname(marker), st)] });
  return st;
}
