package s3archiveexporter

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"
)

// archiver uploads one object per batch for one signal. exporterhelper wraps it with the queue, the
// retries and the per-attempt timeout, so a push is a single attempt: return an error to have it retried,
// a permanent error to have the batch dropped.
type archiver struct {
	cfg    *Config
	signal string // first word of the object name: logs, traces or metrics
	logger *zap.Logger
	client *s3.Client
	now    func() time.Time
}

func newArchiver(cfg *Config, signal string, logger *zap.Logger) *archiver {
	return &archiver{cfg: cfg, signal: signal, logger: logger, now: time.Now}
}

// start builds the S3 client. Credentials come from the AWS SDK's default chain (AWS_ACCESS_KEY_ID /
// AWS_SECRET_ACCESS_KEY, shared config files, web identity, container and instance roles) and are fetched
// lazily by the first request, so a collector starts even while the credential source is unreachable.
func (a *archiver) start(ctx context.Context, _ component.Host) error {
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(a.cfg.Region))
	if err != nil {
		return fmt.Errorf("s3_archive: loading the AWS SDK configuration: %w", err)
	}
	a.client = s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if a.cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(a.cfg.Endpoint)
		}
		o.UsePathStyle = a.cfg.ForcePathStyle
		// One retry policy, the one in `retry_on_failure`: the SDK's standard retryer (3 attempts) would run
		// inside each exporterhelper attempt, multiplying the attempts and stretching them past `timeout`.
		o.RetryMaxAttempts = 1
	})
	return nil
}

func (a *archiver) pushLogs(ctx context.Context, ld plog.Logs) error {
	if ld.LogRecordCount() == 0 {
		return nil
	}
	var body []byte
	var err error
	if a.cfg.Marshaler == MarshalerOTLPProto {
		body, err = (&plog.ProtoMarshaler{}).MarshalLogs(ld)
	} else {
		body, err = (&plog.JSONMarshaler{}).MarshalLogs(ld)
	}
	return a.upload(ctx, body, err)
}

func (a *archiver) pushTraces(ctx context.Context, td ptrace.Traces) error {
	if td.SpanCount() == 0 {
		return nil
	}
	var body []byte
	var err error
	if a.cfg.Marshaler == MarshalerOTLPProto {
		body, err = (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	} else {
		body, err = (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	}
	return a.upload(ctx, body, err)
}

func (a *archiver) pushMetrics(ctx context.Context, md pmetric.Metrics) error {
	if md.DataPointCount() == 0 {
		return nil
	}
	var body []byte
	var err error
	if a.cfg.Marshaler == MarshalerOTLPProto {
		body, err = (&pmetric.ProtoMarshaler{}).MarshalMetrics(md)
	} else {
		body, err = (&pmetric.JSONMarshaler{}).MarshalMetrics(md)
	}
	return a.upload(ctx, body, err)
}

// upload compresses and PUTs one encoded batch under a fresh key. A new key per attempt makes delivery
// at-least-once: if a PUT succeeded but its response was lost, the retry writes a second copy rather than
// risk none.
func (a *archiver) upload(ctx context.Context, body []byte, marshalErr error) error {
	if marshalErr != nil {
		// The same batch would fail the same way on every retry.
		return consumererror.NewPermanent(fmt.Errorf("s3_archive: encoding %s as %s: %w", a.signal, a.cfg.Marshaler, marshalErr))
	}
	if a.client == nil {
		return errors.New("s3_archive: exporter not started")
	}
	contentType := "application/json"
	if a.cfg.Marshaler == MarshalerOTLPProto {
		contentType = "application/x-protobuf"
	}
	if a.cfg.Compression == CompressionGzip {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(body); err != nil {
			return consumererror.NewPermanent(fmt.Errorf("s3_archive: gzip: %w", err))
		}
		if err := zw.Close(); err != nil {
			return consumererror.NewPermanent(fmt.Errorf("s3_archive: gzip: %w", err))
		}
		body = buf.Bytes()
		// The object IS a gzip file (its key ends in .gz). Declaring it as Content-Encoding: gzip instead
		// would make browsers and HTTP clients inflate it silently on download, so a saved `.json.gz`
		// would not be gzip at all.
		contentType = "application/gzip"
	}
	key, err := objectKey(a.cfg, a.signal, a.now())
	if err != nil {
		return fmt.Errorf("s3_archive: generating an object key: %w", err)
	}
	_, err = a.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(a.cfg.Bucket),
		Key:           aws.String(key),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
		ContentType:   aws.String(contentType),
	})
	if err != nil {
		// Left retryable, including 403 and NoSuchBucket: for an archive, holding the data in the queue
		// until an operator fixes the bucket or the keys beats dropping it; max_elapsed_time bounds it.
		return fmt.Errorf("s3_archive: PUT s3://%s/%s: %w", a.cfg.Bucket, key, err)
	}
	a.logger.Debug("archived a batch", zap.String("key", key), zap.Int("bytes", len(body)))
	return nil
}
