#!/usr/bin/env node
// `npm run collector:build`: makes sure the collector (or, with --store, a test store) is built and prints
// its absolute path as the last line of stdout. Everything else (progress, heartbeats) goes to stderr so
// that `BIN=$(node collector/build.mjs | tail -n1)` works.
//
//   node collector/build.mjs                    the collector (OTELCOL_BIN, if set, is validated and used)
//   node collector/build.mjs --store <name>     a store: s3, jaeger, victorialogs
//   node collector/build.mjs --tool <name>      a tool: compose, actionlint (tests), telemetrygen (benchmarks) (tools/<name>/)
//   node collector/build.mjs --all              the collector, every store and every tool, one path per line
//
// The cache is ${TRACEBRIDGE_CACHE:-${XDG_CACHE_HOME:-~/.cache}/tracebridge}; see build-lib.mjs.

import { STORES, TOOLS, cacheDir, ensureCollector, ensureStore, ensureTool } from './build-lib.mjs';

const USAGE = `usage: node collector/build.mjs [--store <${Object.keys(STORES).join('|')}> | --tool <${Object.keys(TOOLS).join('|')}> | --all]`;

async function main(argv) {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(`${USAGE}\ncache: ${cacheDir()}\n`);
    return 0;
  }
  if (argv[0] === '--all' && argv.length === 1) {
    const paths = [await ensureCollector()];
    for (const name of Object.keys(STORES)) paths.push(await ensureStore(name));
    for (const name of Object.keys(TOOLS)) paths.push(await ensureTool(name));
    process.stdout.write(`${paths.join('\n')}\n`);
    return 0;
  }
  if (argv[0] === '--store' && argv.length === 2) {
    process.stdout.write(`${await ensureStore(argv[1])}\n`);
    return 0;
  }
  if (argv[0] === '--tool' && argv.length === 2) {
    process.stdout.write(`${await ensureTool(argv[1])}\n`);
    return 0;
  }
  if (argv.length === 0) {
    process.stdout.write(`${await ensureCollector()}\n`);
    return 0;
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`error: ${err.message}\n`);
    process.exitCode = 1;
  },
);
