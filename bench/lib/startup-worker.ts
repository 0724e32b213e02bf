// The worker of the start-up bench (startup-app.ts): its first line reports the heap of this thread's
// isolate (whatever a `--import` bootstrap loaded into it included).
import { getHeapStatistics } from 'node:v8';
import { parentPort } from 'node:worker_threads';

parentPort?.postMessage({ heapUsed: getHeapStatistics().used_heap_size });
