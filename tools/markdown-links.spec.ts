/**
 * Every relative link in the repository's markdown reaches a file, and every `#anchor` a
 * heading of it (GitHub's slugs). Sections move between READMEs, and the bench and chaos write
 * theirs with links of their own, so a moved file or a renamed heading fails here, not on GitHub.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './runtime/paths';

const markdownFiles = (): string[] =>
  execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((file) => file && fs.existsSync(path.join(ROOT, file)));

/** The lines outside fenced code blocks, with inline code and HTML comments left out. */
function prose(text: string): string[] {
  let fenced = false;
  return text.split('\n').flatMap((line) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return [];
    }
    return fenced ? [] : [line.replace(/`[^`]*`/g, (code) => code.replace(/[[\]()]/g, ' '))];
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = heading[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    result.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return result;
}

function brokenLinks(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const broken: string[] = [];
  for (const line of prose(text)) {
    for (const [, target] of line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      if (/^[a-z][a-z\d+.-]*:/i.test(target)) continue;
      const [where, anchor] = target.split('#');
      const resolved = where
        ? path.resolve(ROOT, path.dirname(file), where)
        : path.join(ROOT, file);
      if (!fs.existsSync(resolved)) {
        broken.push(`${file}: ${target} (no such file)`);
      } else if (
        anchor &&
        resolved.endsWith('.md') &&
        !anchors(fs.readFileSync(resolved, 'utf8')).has(anchor)
      ) {
        broken.push(`${file}: ${target} (no such heading)`);
      }
    }
  }
  return broken;
}

describe('markdown links', () => {
  it.each([
    ['## Deploy on Docker Swarm', 'deploy-on-docker-swarm'],
    ['### From source (`--from-source`)', 'from-source---from-source'],
    ['## FerretDB backends, side by side', 'ferretdb-backends-side-by-side'],
    ['## Secured: `--secure`', 'secured---secure'],
    [
      '### Findings, 2026-11-26 (commit 29a074d): writers queued',
      'findings-2026-11-26-commit-29a074d-writers-queued',
    ],
  ])('%s is reached as #%s', (heading, slug) => {
    expect(anchors(heading)).toEqual(new Set([slug]));
  });

  it('numbers a repeated heading', () => {
    expect(anchors('## Tests\n\n## Tests\n')).toEqual(new Set(['tests', 'tests-1']));
  });

  it('resolve, in every markdown file of the repository', () => {
    const files = markdownFiles();
    expect(files).toContain('README.md');
    expect(files.flatMap(brokenLinks)).toEqual([]);
  });
});
