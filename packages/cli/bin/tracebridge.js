#!/usr/bin/env node
// Thin launcher: all logic lives in the compiled package so it can be tested without spawning.
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2));
