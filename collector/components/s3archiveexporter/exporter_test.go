package s3archiveexporter

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"
)

// The keys the collector profiles use, as a user writes them.
func TestConfigDecodesTheDocumentedKeys(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cm := confmap.NewFromStringMap(map[string]any{
		"endpoint":         "http://127.0.0.1:7070",
		"region":           "us-east-1",
		"bucket":           "tracebridge-archive",
		"prefix":           "otlp",
		"force_path_style": true,
		"partition_format": "year=%Y/month=%m/day=%d/hour=%H/minute=%M",
		"marshaler":        "otlp_proto",
		"compression":      "none",
		"timeout":          "10s",
		"sending_queue":    map[string]any{"storage": "file_storage/queue", "queue_size": 500},
		"retry_on_failure": map[string]any{"max_elapsed_time": "0s"},
	})
	if err := cm.Unmarshal(cfg); err != nil {
		t.Fatal(err)
	}
	if err := confmap.Validate(cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Endpoint != "http://127.0.0.1:7070" || cfg.Bucket != "tracebridge-archive" || cfg.Prefix != "otlp" ||
		!cfg.ForcePathStyle || cfg.Marshaler != MarshalerOTLPProto || cfg.Compression != CompressionNone ||
		cfg.Timeout != 10*time.Second || cfg.RetryConfig.MaxElapsedTime != 0 {
		t.Fatalf("decoded %+v", cfg)
	}
	q := cfg.QueueConfig.Get()
	if q == nil || q.StorageID == nil || q.StorageID.String() != "file_storage/queue" || q.QueueSize != 500 {
		t.Fatalf("sending_queue decoded as %+v", q)
	}
}

func TestValidateNamesEveryProblem(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = "127.0.0.1:7070"
	cfg.Marshaler = "body"
	cfg.Compression = "zstd"
	cfg.PartitionFormat = "%Y/%q"
	err := cfg.Validate()
	if err == nil {
		t.Fatal("expected an error")
	}
	for _, want := range []string{`"region" is required`, `"bucket" is required`, `"endpoint"`, `"marshaler" "body"`, `"compression" "zstd"`, `%q`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestObjectKeyLayout(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Prefix = "/otlp/"
	at := time.Date(2026, 7, 4, 9, 5, 59, 0, time.FixedZone("CEST", 2*3600))
	key, err := objectKey(cfg, "logs", at)
	if err != nil {
		t.Fatal(err)
	}
	// The partition is UTC whatever the collector's zone: 09:05 CEST is 07:05 UTC.
	re := regexp.MustCompile(`^otlp/year=2026/month=07/day=04/hour=07/minute=05/logs_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}\.json\.gz$`)
	if !re.MatchString(key) {
		t.Fatalf("key %q", key)
	}
}

// One batch in, one signed PUT out, with a body that decodes back to the batch.
func TestLogsExporterPutsOneObjectPerBatch(t *testing.T) {
	var mu sync.Mutex
	type put struct {
		path, auth, contentType string
		body                    []byte
	}
	var puts []put
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		puts = append(puts, put{r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), body})
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")

	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = srv.URL
	cfg.Region = "us-east-1"
	cfg.Bucket = "archive"
	cfg.Prefix = "otlp"
	cfg.ForcePathStyle = true
	// Synchronous: the push result is ConsumeLogs' result.
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()

	exp, err := NewFactory().CreateLogs(context.Background(), exportertest.NewNopSettings(component.MustNewType(typeStr)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = exp.Shutdown(context.Background()) }()

	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "A1")
	for i := 0; i < 3; i++ {
		rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("hello")
	}
	if err := exp.ConsumeLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(puts) != 1 {
		t.Fatalf("%d PUTs", len(puts))
	}
	p := puts[0]
	if !strings.HasPrefix(p.path, "/archive/otlp/year=") || !strings.HasSuffix(p.path, ".json.gz") || !strings.Contains(p.path, "/logs_") {
		t.Errorf("path %q", p.path)
	}
	if !strings.HasPrefix(p.auth, "AWS4-HMAC-SHA256 Credential=AKIDTEST/") || !strings.Contains(p.auth, "/us-east-1/s3/aws4_request") {
		t.Errorf("authorization %q", p.auth)
	}
	if p.contentType != "application/gzip" {
		t.Errorf("content type %q", p.contentType)
	}
	zr, err := gzip.NewReader(bytes.NewReader(p.body))
	if err != nil {
		t.Fatalf("body is not gzip (%v): %q", err, p.body)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	got, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got.LogRecordCount() != 3 {
		t.Errorf("%d records", got.LogRecordCount())
	}
}
