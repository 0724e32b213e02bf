// Child process of SinkProcess: an OtlpSink counting records, driven over IPC.
import { OtlpSink } from '../../test/helpers/otlp-sink.js';

const sink = await new OtlpSink({ countOnly: true }).start();
process.send?.({ url: sink.url });
process.on('message', (m: { seq: number; op: string }) => {
  if (m.op === 'reset') sink.count = 0;
  process.send?.({ seq: m.seq, count: sink.count });
});
process.on('disconnect', () => process.exit(0));
