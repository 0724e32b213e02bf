// Package s3archiveexporter provides the `s3_archive` exporter: each batch of logs, traces or metrics
// becomes one OTLP object (JSON or protobuf, optionally gzipped) in an S3 bucket, under a time-partitioned
// key. It exists because the Go module proxy this project builds from serves no version of contrib's
// awss3exporter; see collector/manifest.yaml.
package s3archiveexporter

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

// typeStr is the component type used in configs: `s3_archive/<name>`.
const typeStr = "s3_archive"

const stability = component.StabilityLevelAlpha

// NewFactory returns the factory the collector builder registers.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(
		component.MustNewType(typeStr),
		createDefaultConfig,
		exporter.WithLogs(createLogs, stability),
		exporter.WithTraces(createTraces, stability),
		exporter.WithMetrics(createMetrics, stability),
	)
}

func createDefaultConfig() component.Config {
	timeout := exporterhelper.NewDefaultTimeoutConfig()
	// exporterhelper's 5 s default is sized for OTLP requests; one S3 PUT of a large, gzipped batch over a
	// slow uplink can take longer, and a timed-out PUT is retried from scratch.
	timeout.Timeout = 30 * time.Second
	return &Config{
		PartitionFormat: DefaultPartitionFormat,
		Marshaler:       MarshalerOTLPJSON,
		Compression:     CompressionGzip,
		TimeoutConfig:   timeout,
		QueueConfig:     configoptional.Some(exporterhelper.NewDefaultQueueConfig()),
		RetryConfig:     configretry.NewDefaultBackOffConfig(),
	}
}

func helperOptions(cfg *Config, a *archiver) []exporterhelper.Option {
	return []exporterhelper.Option{
		exporterhelper.WithStart(a.start),
		// The push only reads the batch (marshal, then upload), so fan-out need not clone it for us.
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		exporterhelper.WithTimeout(cfg.TimeoutConfig),
		exporterhelper.WithRetry(cfg.RetryConfig),
		exporterhelper.WithQueue(cfg.QueueConfig),
	}
}

func createLogs(ctx context.Context, set exporter.Settings, c component.Config) (exporter.Logs, error) {
	cfg := c.(*Config)
	a := newArchiver(cfg, "logs", set.Logger)
	return exporterhelper.NewLogs(ctx, set, cfg, a.pushLogs, helperOptions(cfg, a)...)
}

func createTraces(ctx context.Context, set exporter.Settings, c component.Config) (exporter.Traces, error) {
	cfg := c.(*Config)
	a := newArchiver(cfg, "traces", set.Logger)
	return exporterhelper.NewTraces(ctx, set, cfg, a.pushTraces, helperOptions(cfg, a)...)
}

func createMetrics(ctx context.Context, set exporter.Settings, c component.Config) (exporter.Metrics, error) {
	cfg := c.(*Config)
	a := newArchiver(cfg, "metrics", set.Logger)
	return exporterhelper.NewMetrics(ctx, set, cfg, a.pushMetrics, helperOptions(cfg, a)...)
}
