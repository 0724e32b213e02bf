/**
 * CPU and memory of a process or one of its threads, read from /proc (Linux), so a process can be
 * measured from outside without running anything in it, and a thread's CPU apart from its process's
 * (`process.threadCpuUsage()` only exists from Node 23.9).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (asked once, when first needed). */
let clockTicks: number | undefined;
function clkTck(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/**
 * CPU seconds (user + system) the whole process used so far: every thread, the finished ones too;
 * to the clock tick (10 ms). NaN when it cannot be read.
 */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: split after its closing parenthesis. utime and stime
    // are fields 14 and 15 of the line, 12 and 13 after the name.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clkTck();
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds one thread used so far (its main thread when `tid` = `pid`), from the scheduler's
 * run-time in /proc/<pid>/task/<tid>/schedstat (nanoseconds; brought up to date at every scheduler
 * tick and context switch, so a running thread reads up to one tick behind). NaN when unavailable.
 */
export function threadCpuSeconds(pid: number, tid = pid): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
  } catch {
    return NaN;
  }
}

/** Resident set size now and its peak (VmRSS, VmHWM), in bytes; NaN when unavailable. */
export function memory(pid: number): { rss: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return { rss: NaN, peak: NaN };
  }
}

/**
 * CPU seconds of a process's live threads, summed from their schedstat (nanoseconds), and the thread
 * ids it summed. Between two readings with the same threads, the difference is the process's CPU to
 * the nanosecond rather than to the 10 ms tick of processCpuSeconds (which also counts threads that
 * have ended, and so is the one to use when the threads changed).
 */
export function liveThreadsCpu(pid: number): { seconds: number; tids: string } {
  try {
    const tids = readdirSync(`/proc/${pid}/task`).sort();
    let seconds = 0;
    for (const tid of tids) seconds += threadCpuSeconds(pid, Number(tid));
    return { seconds, tids: tids.join(',') };
  } catch {
    return { seconds: NaN, tids: '' };
  }
}

/** The process's CPU between two readings: from the live threads when they are the same ones, else from the ticks. */
export function cpuBetween(
  a: { threads: { seconds: number; tids: string }; ticks: number },
  b: { threads: { seconds: number; tids: string }; ticks: number },
): { seconds: number; precise: boolean } {
  const precise = a.threads.tids !== '' && a.threads.tids === b.threads.tids && !Number.isNaN(b.threads.seconds - a.threads.seconds);
  return precise ? { seconds: b.threads.seconds - a.threads.seconds, precise } : { seconds: b.ticks - a.ticks, precise };
}

/** Both readings of a process's CPU at one moment, for cpuBetween. */
export function cpuReading(pid: number): { threads: { seconds: number; tids: string }; ticks: number } {
  return { threads: liveThreadsCpu(pid), ticks: processCpuSeconds(pid) };
}
