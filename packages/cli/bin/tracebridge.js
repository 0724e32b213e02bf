#!/usr/bin/env node
// Thin launcher: all logic lives in the compiled package so it can be tested without spawning.
import { exitOnCrash, main } from '../dist/main.js';

// main() reports every failure of a command itself; these catch what escapes any command (an event
// nothing listened to), so that even then the user sees one line with its code, not a stack trace.
process.on('uncaughtException', exitOnCrash);
process.on('unhandledRejection', exitOnCrash);
process.exitCode = await main(process.argv.slice(2));
