/**
 * What the two chat instrumentations share as OpenTelemetry instrumentations: the content-capture
 * setting, the tracer (with the GenAI schema URL), and the metric instruments, rebuilt whenever the SDK
 * hands over a meter provider.
 */
import { trace } from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';
import { InstrumentationBase } from '@opentelemetry/instrumentation';
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { ChatDeps } from './chat-call.js';
import type { ContentCapture } from './content-capture.js';
import { GenAiMetrics } from './metrics.js';
import { GENAI_SCHEMA_URL } from './semconv.js';

/** Version reported as the instrumentation scope's version. */
export const GENAI_INSTRUMENTATION_VERSION = '0.1.0';

export abstract class GenAiInstrumentation extends InstrumentationBase<InstrumentationConfig> {
  // `declare`: InstrumentationBase's constructor already calls _updateMetricInstruments(), and a field
  // initialiser would then reset what it built.
  private declare genAiMetrics: GenAiMetrics | undefined;
  private declare genAiTracer: Tracer | undefined;
  private declare capture: ContentCapture;

  constructor(name: string, capture: ContentCapture) {
    super(name, GENAI_INSTRUMENTATION_VERSION, {});
    this.capture = capture;
  }

  protected override _updateMetricInstruments(): void {
    this.genAiMetrics = new GenAiMetrics(this.meter);
  }

  /** The shared parts of a call, or undefined while the instrumentation is disabled. */
  protected deps(): ChatDeps | undefined {
    if (!this.isEnabled()) return undefined;
    // The global tracer provider is set by the time an application calls an SDK; the schema URL says
    // which GenAI conventions the spans follow.
    this.genAiTracer ??= trace.getTracerProvider().getTracer(this.instrumentationName, GENAI_INSTRUMENTATION_VERSION, { schemaUrl: GENAI_SCHEMA_URL });
    return { tracer: this.genAiTracer, metrics: this.genAiMetrics, capture: this.capture };
  }
}
