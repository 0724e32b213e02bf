/**
 * The "user's app" of the start-up bench. Nothing is imported above the first statement, so it is the
 * user's first line: it prints the RSS and the time since the process's time origin at that point.
 * With argument `worker` (or `worker-bare`: `execArgv: []`, so `--import` does not run in the worker),
 * it then starts one worker thread and prints how long until the worker's first line ran, the worker's
 * heap, and the RSS the worker added.
 */
process.stdout.write(`${JSON.stringify({ op: 'first', rss: process.memoryUsage.rss(), sinceOriginMs: performance.now() })}\n`);

const mode = process.argv[2];
if (mode === 'worker' || mode === 'worker-bare') {
  const { Worker } = await import('node:worker_threads');
  const rssBefore = process.memoryUsage.rss();
  const started = performance.now();
  const worker = new Worker(new URL('./startup-worker.js', import.meta.url), mode === 'worker-bare' ? { execArgv: [] } : {});
  worker.once('message', (m: { heapUsed: number }) => {
    const workerMs = performance.now() - started;
    process.stdout.write(`${JSON.stringify({ op: 'worker', workerMs, workerHeap: m.heapUsed, rssAdded: process.memoryUsage.rss() - rssBefore })}\n`);
  });
}
