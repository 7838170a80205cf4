/** What `npm run test:stack` measures, kept in one JSON file the run prints at the end. */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../runtime/paths';

export const FIGURES_FILE = path.join(ROOT, 'test-artifacts', 'stack-figures.json');

/** `NAME=value` lines of docker/from-source.env (bash syntax, optionally quoted). */
function fromSourceImages(): string[] {
  const text = fs.readFileSync(path.join(ROOT, 'docker', 'from-source.env'), 'utf8');
  return [...text.matchAll(/^[A-Z_]+_IMAGE='?([^'\n]+)'?$/gm)].map((match) => match[1]);
}

/** Every image a from-source deploy runs, and the two it builds them on. */
export const IMAGES = [
  'storefront/debian:bookworm',
  ...fromSourceImages(),
  ...['registry', 'gateway', 'accounts', 'orders', 'fulfillment'].map(
    (app) => `storefront/${app}:latest`,
  ),
];

export function recordFigures(figures: Record<string, unknown>): void {
  const current = fs.existsSync(FIGURES_FILE)
    ? (JSON.parse(fs.readFileSync(FIGURES_FILE, 'utf8')) as Record<string, unknown>)
    : {};
  fs.mkdirSync(path.dirname(FIGURES_FILE), { recursive: true });
  fs.writeFileSync(FIGURES_FILE, `${JSON.stringify({ ...current, ...figures }, null, 2)}\n`);
}
