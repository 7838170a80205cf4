/**
 * Compiles every app and lib with swc into dist/ (path aliases rewritten to relative requires).
 * Type checking is separate (`npm run typecheck`): swc only strips types, which keeps a build
 * of the whole repo under a few seconds on two cores.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');

export function build(): void {
  rmSync(path.join(root, 'dist'), { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [
      require.resolve('@swc/cli/bin/swc.js'),
      'apps',
      'libs',
      '--out-dir',
      'dist',
      '--config-file',
      '.swcrc',
      '--ignore',
      '**/*.spec.ts,**/test/**',
      '--quiet',
    ],
    { cwd: root, stdio: 'inherit' },
  );
}

if (require.main === module) build();
