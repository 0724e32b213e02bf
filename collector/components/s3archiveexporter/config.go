package s3archiveexporter

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

// Marshaler names how a batch is encoded into one object.
type Marshaler string

const (
	// MarshalerOTLPJSON writes the batch as an OTLP/JSON Export*ServiceRequest (`.json`), the encoding the
	// `file` exporter and the OTLP/HTTP JSON protocol use, so any OTLP-aware reader can decode it.
	MarshalerOTLPJSON Marshaler = "otlp_json"
	// MarshalerOTLPProto writes the batch as an OTLP protobuf Export*ServiceRequest (`.binpb`): smaller and
	// faster to write, needs the OTLP .proto files to read.
	MarshalerOTLPProto Marshaler = "otlp_proto"
)

// Compression names how an object's bytes are compressed.
type Compression string

const (
	// CompressionGzip gzips each object (`.gz` appended to the key).
	CompressionGzip Compression = "gzip"
	// CompressionNone stores the encoded batch as is.
	CompressionNone Compression = "none"
)

// DefaultPartitionFormat partitions by UTC minute in the Hive style (`key=value` segments), which Athena,
// Spark and DuckDB read as partition columns without extra configuration.
const DefaultPartitionFormat = "year=%Y/month=%m/day=%d/hour=%H/minute=%M"

// Config is the `s3_archive` exporter's configuration. Each batch the pipeline hands over becomes one S3
// object at `<prefix>/<partition>/<logs|traces|metrics>_<uuidv7>.<json|binpb>[.gz]`.
type Config struct {
	// Endpoint is the S3 API's base URL (`http://127.0.0.1:7070`); empty means the AWS endpoint of Region.
	Endpoint string `mapstructure:"endpoint"`
	// Region signs the requests (SigV4) and picks the AWS endpoint. Required.
	Region string `mapstructure:"region"`
	// Bucket receives the objects; it must exist. Required.
	Bucket string `mapstructure:"bucket"`
	// Prefix is the first segment(s) of every key; slashes around it are ignored. Default: none.
	Prefix string `mapstructure:"prefix"`
	// ForcePathStyle addresses the bucket as `<endpoint>/<bucket>/<key>` instead of
	// `<bucket>.<endpoint>/<key>`: what most S3-compatible servers (and versitygw only) understand.
	ForcePathStyle bool `mapstructure:"force_path_style"`
	// PartitionFormat is a strftime pattern applied to the collector's wall clock (UTC) at upload time.
	// Default: DefaultPartitionFormat.
	PartitionFormat string `mapstructure:"partition_format"`
	// Marshaler: otlp_json (default) or otlp_proto.
	Marshaler Marshaler `mapstructure:"marshaler"`
	// Compression: gzip (default) or none.
	Compression Compression `mapstructure:"compression"`

	// `timeout` bounds one upload attempt (default 30 s: one PUT of a large batch over a slow link).
	exporterhelper.TimeoutConfig `mapstructure:",squash"`
	// `sending_queue`, including `storage: file_storage/...` for a queue that survives restarts.
	QueueConfig configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	// `retry_on_failure`: the only retry layer (the AWS SDK's own retries are switched off).
	RetryConfig configretry.BackOffConfig `mapstructure:"retry_on_failure"`
}

// Validate reports every problem at once, so a bad config is fixed in one round trip. The collector calls
// it at start-up and on `otelcol validate`; the queue, retry and timeout sections validate themselves.
func (c *Config) Validate() error {
	var errs []error
	if strings.TrimSpace(c.Region) == "" {
		errs = append(errs, errors.New(`"region" is required (e.g. us-east-1; S3-compatible servers accept any region they were started with)`))
	}
	if strings.TrimSpace(c.Bucket) == "" {
		errs = append(errs, errors.New(`"bucket" is required (the bucket must already exist)`))
	} else if strings.Contains(c.Bucket, "/") {
		errs = append(errs, fmt.Errorf(`"bucket" %q contains "/": put key segments in "prefix"`, c.Bucket))
	}
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf(`"endpoint" %q must be an http:// or https:// URL, or empty for AWS`, c.Endpoint))
		}
	}
	switch c.Marshaler {
	case MarshalerOTLPJSON, MarshalerOTLPProto:
	default:
		errs = append(errs, fmt.Errorf(`"marshaler" %q is not supported; use %q or %q`, c.Marshaler, MarshalerOTLPJSON, MarshalerOTLPProto))
	}
	switch c.Compression {
	case CompressionGzip, CompressionNone:
	default:
		errs = append(errs, fmt.Errorf(`"compression" %q is not supported; use %q or %q`, c.Compression, CompressionGzip, CompressionNone))
	}
	if strings.Trim(c.PartitionFormat, "/") == "" {
		errs = append(errs, fmt.Errorf(`"partition_format" is empty; the default is %q`, DefaultPartitionFormat))
	} else if err := checkStrftime(c.PartitionFormat); err != nil {
		errs = append(errs, fmt.Errorf(`"partition_format": %w`, err))
	}
	return errors.Join(errs...)
}
