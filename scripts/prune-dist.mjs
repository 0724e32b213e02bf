#!/usr/bin/env node
// Run by each package's `prepack`, after `tsc -b`: removes from dist/ what no source file under src/ gives
// any more. tsc never deletes the output of a source file that was removed or renamed, so a developer's
// checkout keeps it, and `npm pack` would ship modules that nothing imports and that the next release
// does not have (test/agents/packed-install.test.ts checks the tarballs). Only files without a source are
// touched, so a build or a test reading dist/ at the same time is never disturbed.
import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

const pkg = process.cwd();
const dist = path.join(pkg, 'dist');
const src = path.join(pkg, 'src');
/** dist/a/b.js, .d.ts and their maps come from src/a/b.ts. */
const OUTPUT = /^(.*)\.(js|d\.ts)(\.map)?$/;

function prune(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) {
      prune(file);
      continue;
    }
    const match = OUTPUT.exec(path.relative(dist, file));
    if (match === null) continue;
    const source = path.join(src, `${match[1]}.ts`);
    try {
      statSync(source);
    } catch {
      rmSync(file);
      process.stderr.write(`prune-dist: removed ${path.relative(pkg, file)} (no ${path.relative(pkg, source)})\n`);
    }
  }
}

prune(dist);
