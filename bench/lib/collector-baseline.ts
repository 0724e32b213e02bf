/**
 * What the collector benchmarks measure a stack against, and how they read a collector process: the same
 * binary with no processing of ours, OTLP (gRPC and HTTP) → batch → file, one pipeline per signal; and
 * its CPU time and peak RSS from /proc. Shared by bench/collector-cpu.bench.ts and
 * bench/collector-tiers.bench.ts.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The baseline configuration (the ports and data folder come from run-lib's startCollector). */
export const BASELINE_CONFIG = `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: \${env:OTLP_GRPC_ENDPOINT}
      http:
        endpoint: \${env:OTLP_HTTP_ENDPOINT}
processors:
  batch:
    send_batch_size: 8192
    send_batch_max_size: 16384
    timeout: 200ms
exporters:
  file/logs:
    path: \${env:TRACEBRIDGE_DATA_DIR}/logs.jsonl
    format: json
  file/traces:
    path: \${env:TRACEBRIDGE_DATA_DIR}/traces.jsonl
    format: json
extensions:
  health_check:
    endpoint: \${env:HEALTH_ENDPOINT}
service:
  extensions: [health_check]
  telemetry:
    metrics:
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: \${env:COLLECTOR_METRICS_PORT}
  pipelines:
    logs:
      receivers: [otlp]
      processors: [batch]
      exporters: [file/logs]
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [file/traces]
`;

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system, all threads) the process used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Peak resident set size of the process so far, in bytes (VmHWM). */
export function peakRss(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]) * 1024;
}

/** Pins a running process, all its threads, to the given cores (`taskset -a -p -c`). */
export function pin(pid: number, cores: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' });
}
