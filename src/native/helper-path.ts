import { accessSync, constants } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of a helper built from native/ at install time, or null if it was not built. */
export function nativeHelperPath(name: string): string | null {
  // Works from src/native (tsx) and dist/native (built): both are two levels below the root.
  const path = fileURLToPath(new URL(`../../native/build/${name}`, import.meta.url));
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return null;
  }
}
