// Package recordprocessor provides the `tracebridge_record` processor: the file route's mapping of a
// tracebridge record (a JSON line parsed by the file_log receiver) to the OTLP LogRecord, resource and
// scope the SDK route gives for the same record (docs/mapping.md). It replaces an OTTL transform that
// needed two Alpha feature gates (lambda functions to walk a record's members, and `flatten_data` to give
// each record its own resource and scope), so a collector upgrade cannot change the mapping under a
// config that loads unchanged: this code either compiles against the new release or the build fails.
package recordprocessor

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"
)

// typeStr is the component type used in configs.
const typeStr = "tracebridge_record"

// Beta: the mapping is pinned by the shared vectors (test/vectors), which every route must give.
const stability = component.StabilityLevelBeta

// NewFactory returns the factory the collector builder registers.
func NewFactory() processor.Factory {
	return processor.NewFactory(
		component.MustNewType(typeStr),
		createDefaultConfig,
		processor.WithLogs(createLogs, stability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{}
}

func createLogs(ctx context.Context, set processor.Settings, c component.Config, next consumer.Logs) (processor.Logs, error) {
	m := newMapper(c.(*Config))
	return processorhelper.NewLogs(ctx, set, c, next, m.processLogs,
		// Records are rewritten in place and moved into new resource and scope groups.
		processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}))
}
