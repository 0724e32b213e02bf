// Package redactprocessor provides the `tracebridge_redact` processor: secrets out of every log record
// and span the collector passes on, with the rules and the replacement text of @tracebridge/logger's own
// redaction (packages/logger/src/internal/redact.ts), so a record reads the same whichever route it took.
// It replaces an OTTL transform whose lambda functions needed an Alpha feature gate and cost most of the
// collector's CPU per record.
package redactprocessor

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"
)

// typeStr is the component type used in configs.
const typeStr = "tracebridge_redact"

// Beta: its rules are held equal to the logger's by test/security-redaction.test.ts.
const stability = component.StabilityLevelBeta

// NewFactory returns the factory the collector builder registers.
func NewFactory() processor.Factory {
	return processor.NewFactory(
		component.MustNewType(typeStr),
		createDefaultConfig,
		processor.WithLogs(createLogs, stability),
		processor.WithTraces(createTraces, stability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{Replacement: DefaultReplacement}
}

// Values are replaced in place.
var mutates = processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: true})

func createLogs(ctx context.Context, set processor.Settings, c component.Config, next consumer.Logs) (processor.Logs, error) {
	r, err := newRedactor(c.(*Config))
	if err != nil {
		return nil, err
	}
	return processorhelper.NewLogs(ctx, set, c, next, r.processLogs, mutates)
}

func createTraces(ctx context.Context, set processor.Settings, c component.Config, next consumer.Traces) (processor.Traces, error) {
	r, err := newRedactor(c.(*Config))
	if err != nil {
		return nil, err
	}
	return processorhelper.NewTraces(ctx, set, c, next, r.processTraces, mutates)
}
