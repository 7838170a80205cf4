import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Provisioning markers: a small JSON file written only after an artefact was produced
 * successfully, recording the hash of the inputs it was produced from. A missing or
 * different marker means "produce it again".
 */
export interface Marker {
  readonly inputsSha256: string;
  /** Files (relative to the marker's directory) that must still exist for the cache to count. */
  readonly outputs: readonly string[];
}

export function hashFiles(files: readonly string[]): string {
  const hash = crypto.createHash('sha256');
  for (const file of files) {
    hash.update(path.basename(file)).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

export function isCached(markerFile: string, inputsSha256: string): boolean {
  try {
    const marker = JSON.parse(fs.readFileSync(markerFile, 'utf8')) as Marker;
    const dir = path.dirname(markerFile);
    return (
      marker.inputsSha256 === inputsSha256 &&
      marker.outputs.length > 0 &&
      marker.outputs.every((f) => fs.existsSync(path.join(dir, f)))
    );
  } catch {
    return false;
  }
}

export function writeMarker(markerFile: string, marker: Marker): void {
  fs.writeFileSync(markerFile, `${JSON.stringify(marker, null, 2)}\n`);
}
