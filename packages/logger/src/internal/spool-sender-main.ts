/**
 * The detached spool sender: `node spool-sender-main.js <spool folder>`. Started by an agent that ends
 * with something spooled, and by the next one to start (exit-registry.ts, `startSpoolSender`); one runs
 * per folder at a time (`sender.pid`), the others leave at once. It delivers what it can within its
 * budget (`TRACEBRIDGE_SPOOL_SEND_BUDGET_MS`, 30 s), then ends; what is left waits for the next one.
 */
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hasSpooled } from './spool.js';
import { sendSpool } from './spool-send.js';

const dir = process.argv[2];
if (dir === undefined) process.exit(2);

const lock = path.join(dir, 'sender.pid');

function othersAlive(): boolean {
  try {
    const pid = Number(readFileSync(lock, 'utf8'));
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function takeLock(): boolean {
  // The lock appears with its pid in it (written aside, then linked): created empty and written after,
  // another sender starting at that instant would read no pid, take the lock for a dead one's and run too.
  const mine = `${lock}.${process.pid}`;
  try {
    writeFileSync(mine, String(process.pid));
    try {
      linkSync(mine, lock);
      return true;
    } catch {
      if (othersAlive()) return false;
      // A sender that died left its lock: take it over.
      renameSync(mine, lock);
      return true;
    }
  } catch {
    return false;
  } finally {
    try {
      unlinkSync(mine);
    } catch {
      // renamed into place, or never written
    }
  }
}

function dropLock(): void {
  try {
    if (readFileSync(lock, 'utf8') === String(process.pid)) unlinkSync(lock);
  } catch {
    // gone already
  }
}

let headersByUrl: Record<string, Record<string, string>> = {};
try {
  headersByUrl = JSON.parse(process.env.TRACEBRIDGE_SPOOL_HEADERS ?? '{}') as Record<string, Record<string, string>>;
} catch {
  // none
}
const budget = Number(process.env.TRACEBRIDGE_SPOOL_SEND_BUDGET_MS);
const deadline = Date.now() + (Number.isFinite(budget) && budget > 0 ? budget : 30_000);

if (takeLock()) {
  for (;;) {
    const result = await sendSpool(dir as string, { budgetMillis: Math.max(0, deadline - Date.now()), headersByUrl });
    dropLock();
    // A file written after the last look, by a process that saw this sender's lock and so started none,
    // must not wait for the next agent: look once more after letting the lock go.
    if (result.left > 0 || Date.now() > deadline || !hasSpooled(dir as string) || !takeLock()) break;
  }
}
