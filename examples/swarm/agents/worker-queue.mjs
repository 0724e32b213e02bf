// Demo agent W2: a worker that takes tasks from a JSON message channel and logs with console and
// @tracebridge/logger. The trace context travels inside each message: `extract` reads what the
// coordinator's `inject` wrote, and the CONSUMER span started in that context continues the request's
// trace (and carries its correlation id, from the message's baggage). It classifies tickets with an
// OpenAI model (an agent turn; the API's first answer is a 429, which the SDK retries).
import OpenAI from 'openai';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { extract, withAgentSpan } from '@tracebridge/auto';
import { createLogger } from '@tracebridge/logger';
import { reportReady, serveChannel, sleep } from './message-channel.mjs';

const log = createLogger({ component: 'task_queue' });
const tracer = trace.getTracer('demo-worker-queue');
// OPENAI_BASE_URL and OPENAI_API_KEY name the demo's stand-in for the API on 127.0.0.1, which answers
// this model's first request with 429 and `retry-after: 0`; the SDK's retries (2 by default) do the rest.
const openai = new OpenAI();
const CLASSIFIER_MODEL = 'gpt-5-mini';

/** An agent turn: one chat completion, its `chat` span over both HTTP attempts. */
function classify(task) {
  const agentId = process.env.TRACEBRIDGE_AGENT_ID;
  return withAgentSpan({ name: agentId.split('-')[0], id: agentId, description: 'classifies tickets and parses reports', provider: 'openai', model: CLASSIFIER_MODEL }, async () => {
    const completion = await openai.chat.completions.create({
      model: CLASSIFIER_MODEL,
      messages: [
        { role: 'system', content: 'Label each support ticket: billing, bug or question.' },
        { role: 'user', content: `Tickets of ${task.name}: #1041 refund twice, #1042 crash on save, #1043 export format?` },
      ],
    });
    return completion.choices[0]?.message.content ?? '';
  });
}

class ReportFormatError extends Error {
  name = 'ReportFormatError';
}

function parseSection(text, section) {
  const match = new RegExp(`^## ${section}$`, 'm').exec(text);
  if (!match) throw new ReportFormatError(`section "${section}" not found in quarterly-report.md`);
  return text.slice(match.index);
}

async function handle(task) {
  console.info(`picked up ${task.name} from the tasks channel`);
  await sleep(30);
  if (task.llm === 'classify') await classify(task);
  if (task.name === 'parse-report') {
    // Fails on purpose: the demo's task that ends in an exception.
    parseSection('# Q3\n## Revenue\n…', 'Risks');
  }
  log.info(`${task.name} done`, { context: { task: task.name } });
  return { task: task.name, ok: true };
}

const channel = await serveChannel({
  onMessage(message, reply) {
    const parent = extract(message);
    const attributes = {
      'messaging.system': 'jsonl_tcp',
      'messaging.destination.name': 'tasks',
      'messaging.operation.type': 'process',
      'messaging.message.id': message.id,
    };
    context.with(parent, () =>
      tracer.startActiveSpan('process tasks', { kind: SpanKind.CONSUMER, attributes }, async (span) => {
        try {
          reply({ inReplyTo: message.id, ok: true, result: await handle(message.task) });
        } catch (err) {
          // The logger records the exception on the active span too (status error, exception event).
          log.error(`task ${message.task.name} failed`, { error: err, context: { task: message.task.name } });
          reply({ inReplyTo: message.id, ok: false, error: { type: err.name, message: err.message } });
        } finally {
          span.end();
        }
      }),
    );
  },
});

reportReady({ port: channel.port }, () => channel.close());
