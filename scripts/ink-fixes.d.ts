import type {Plugin} from 'esbuild';

/** The esbuild plugin that applies patches/ink+6.8.0.patch to Ink's files in a bundle (see ink-fixes.js). */
export function inkFixes(files?: readonly string[]): Plugin;
