/**
 * Peak memory of `tracebridge convert` by input size: the real launcher in its own process, its output
 * read through a pipe (as `… | curl` or `… > file` would), its peak RSS taken from the process itself
 * (`process.resourceUsage().maxRSS` at exit). Two shapes of input: many small records, and large ones (a
 * long tool output in each message), which are what used to make a batch of 10,000 records hold
 * gigabytes. Flat memory means the figure does not grow with the input size.
 *
 * `BENCH=convert-memory npm run bench`; `CONVERT_MB=100,600` (input sizes), `CONVERT_SHAPES=small,large`,
 * `CONVERT_ROUNDS=3`; `TRACEBRIDGE_BIN` runs another launcher (an older build, to compare).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, table } from './lib/stats.js';

const ROOT = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../' : '../', import.meta.url));
const BIN = process.env.TRACEBRIDGE_BIN ?? path.join(ROOT, 'packages/cli/bin/tracebridge.js');
const SIZES_MB = (process.env.CONVERT_MB ?? '100,600').split(',').map(Number);
const SHAPES = (process.env.CONVERT_SHAPES ?? 'small,large').split(',') as Shape[];
const ROUNDS = Number(process.env.CONVERT_ROUNDS ?? 3);

type Shape = 'small' | 'large';

/** Bytes of the payload each record carries, by shape (the whole line is about 200 bytes more). */
const PAYLOAD: Record<Shape, number> = { small: 300, large: 60 * 1024 };

/** Reports the process's peak RSS on fd 3 when it exits; loaded with --import before the launcher. */
const REPORTER = `data:text/javascript,${encodeURIComponent(
  "import { writeSync } from 'node:fs'; process.on('exit', () => { try { writeSync(3, String(process.resourceUsage().maxRSS)); } catch {} });",
)}`;

interface Result {
  shape: Shape;
  inputMb: number;
  records: number;
  peakRssMb: number[];
  seconds: number[];
  outputMb: number;
  code: number | null;
  stderrTail: string;
}

async function writeInput(file: string, shape: Shape, megabytes: number): Promise<number> {
  const stream = createWriteStream(file);
  const payload = 'p'.repeat(PAYLOAD[shape]);
  let bytes = 0;
  let n = 0;
  while (bytes < megabytes * 1024 * 1024) {
    const line = `${JSON.stringify({
      timestamp: '2025-11-30T12:34:56.789Z',
      level: 'INFO',
      agent_id: `A${n % 7}-haiku-00${n % 3}`,
      correlation_id: `task-${n}`,
      component: 'tool_runner',
      message: `record ${n}`,
      context: { task_id: 'task:001', attempt: 2, output: payload },
    })}\n`;
    bytes += line.length;
    n++;
    if (!stream.write(line)) await once(stream, 'drain');
  }
  stream.end();
  await once(stream, 'close');
  return n;
}

async function convertOnce(file: string): Promise<{ peakKib: number; seconds: number; outBytes: number; code: number | null; err: string }> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, ['--import', REPORTER, BIN, 'convert', file], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  let outBytes = 0;
  let err = '';
  let report = '';
  child.stdout?.on('data', (d: Buffer) => (outBytes += d.length));
  child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => (report += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { peakKib: Number(report), seconds: Number(process.hrtime.bigint() - started) / 1e9, outBytes, code, err };
}

export async function run(): Promise<Result[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tb-bench-convert-'));
  const results: Result[] = [];
  try {
    for (const shape of SHAPES) {
      for (const inputMb of SIZES_MB) {
        const file = path.join(dir, `${shape}-${inputMb}.jsonl`);
        const records = await writeInput(file, shape, inputMb);
        const result: Result = { shape, inputMb, records, peakRssMb: [], seconds: [], outputMb: 0, code: 0, stderrTail: '' };
        for (let round = 0; round < ROUNDS; round++) {
          const r = await convertOnce(file);
          result.peakRssMb.push(r.peakKib / 1024);
          result.seconds.push(r.seconds);
          result.outputMb = r.outBytes / (1024 * 1024);
          result.code = r.code;
          result.stderrTail = r.err.trim().split('\n').slice(-1)[0] ?? '';
          if (r.code !== 0) break;
        }
        rmSync(file, { force: true });
        results.push(result);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\ntracebridge convert: peak RSS by input size (${BIN}), ${ROUNDS} round(s) each\n`);
  console.log(
    table(
      ['shape', 'input MB', 'records', 'peak RSS MB (median)', 'max', 'seconds (median)', 'input MB/s', 'output MB', 'exit', 'last stderr line'],
      results.map((r) => [
        r.shape,
        r.inputMb,
        r.records.toLocaleString('en-US'),
        median(r.peakRssMb),
        Math.max(...r.peakRssMb),
        median(r.seconds),
        r.inputMb / median(r.seconds),
        r.outputMb,
        String(r.code),
        r.stderrTail.slice(0, 60),
      ]),
    ),
  );
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
