package recordprocessor

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	json "github.com/goccy/go-json"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"
)

// The shared vectors: `<name>.jsonl` records and `<name>.otlp.json` the OTLP every route must give.
const vectorsDir = "../../../test/vectors"

var objectLine = regexp.MustCompile(`^\s*[{]`)

// fileReceiverBatch is what file_log/agents hands over for these lines (collector/config.yaml): blank
// lines skipped, a line starting with `{` parsed as JSON (goccy, numbers as float64) into
// tracebridge.record, a line marked otlp_sent dropped, any other line kept as tracebridge.invalid.line;
// every record in one resource and scope, as the receiver emits them.
func fileReceiverBatch(t *testing.T, lines []string) plog.Logs {
	t.Helper()
	ld := plog.NewLogs()
	sl := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	for _, line := range lines {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var parsed map[string]any
		if !objectLine.MatchString(line) || json.Unmarshal([]byte(line), &parsed) != nil {
			sl.LogRecords().AppendEmpty().Attributes().PutStr(InvalidLineAttribute, line)
			continue
		}
		if parsed["otlp_sent"] == true {
			continue
		}
		if err := sl.LogRecords().AppendEmpty().Attributes().PutEmptyMap(RecordAttribute).FromRaw(parsed); err != nil {
			t.Fatal(err)
		}
	}
	return ld
}

func run(t *testing.T, cfg *Config, ld plog.Logs) plog.Logs {
	t.Helper()
	sink := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(NewFactory().Type()), cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Shutdown(context.Background()) }()
	if err := p.ConsumeLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}
	all := sink.AllLogs()
	if len(all) != 1 {
		t.Fatalf("got %d batches, want 1", len(all))
	}
	return all[0]
}

// normalise regroups records by resource and scope (in arrival order within a group) and writes each
// record as JSON with sorted attributes and no observed time: what legitimately differs between routes,
// as test/collector/file-route.test.ts normalises them.
func normalise(t *testing.T, ld plog.Logs) map[string][]string {
	t.Helper()
	groups := map[string][]string{}
	var m plog.JSONMarshaler
	for _, rl := range ld.ResourceLogs().All() {
		var resource []string
		for k, v := range rl.Resource().Attributes().All() {
			b, _ := json.Marshal([]any{k, v.Type().String(), v.AsRaw()})
			resource = append(resource, string(b))
		}
		for _, sl := range rl.ScopeLogs().All() {
			key := strings.Join(resource, ",") + " | " + sl.Scope().Name()
			for _, lr := range sl.LogRecords().All() {
				one := plog.NewLogs()
				dst := one.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
				lr.CopyTo(dst)
				dst.SetObservedTimestamp(0)
				keys := make([]string, 0, dst.Attributes().Len())
				for k := range dst.Attributes().All() {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				sorted := pcommon.NewMap()
				for _, k := range keys {
					v, _ := dst.Attributes().Get(k)
					v.CopyTo(sorted.PutEmpty(k))
				}
				sorted.MoveTo(dst.Attributes())
				b, err := m.MarshalLogs(one)
				if err != nil {
					t.Fatal(err)
				}
				groups[key] = append(groups[key], string(b))
			}
		}
	}
	return groups
}

func TestSharedVectors(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join(vectorsDir, "*.jsonl"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no vectors in %s (%v)", vectorsDir, err)
	}
	for _, input := range inputs {
		name := strings.TrimSuffix(filepath.Base(input), ".jsonl")
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(input)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var lines []string
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
			for sc.Scan() {
				lines = append(lines, sc.Text())
			}
			expectedJSON, err := os.ReadFile(filepath.Join(vectorsDir, name+".otlp.json"))
			if err != nil {
				t.Fatal(err)
			}
			var u plog.JSONUnmarshaler
			expected, err := u.UnmarshalLogs(expectedJSON)
			if err != nil {
				t.Fatal(err)
			}
			got := normalise(t, run(t, &Config{}, fileReceiverBatch(t, lines)))
			want := normalise(t, expected)
			if len(got) != len(want) {
				t.Errorf("%d resource/scope groups, want %d", len(got), len(want))
			}
			for key, records := range want {
				if strings.Join(got[key], "\n") != strings.Join(records, "\n") {
					t.Errorf("group %s:\n got: %s\nwant: %s", key, strings.Join(got[key], "\n     "), strings.Join(records, "\n      "))
				}
			}
			for key := range got {
				if _, ok := want[key]; !ok {
					t.Errorf("unexpected group %s", key)
				}
			}
		})
	}
}

func TestInvalidLines(t *testing.T) {
	long := strings.Repeat("é", 5000)
	out := run(t, &Config{Environment: "prod"}, fileReceiverBatch(t, []string{"not json", long, `{"message": "ok"}`}))
	if n := out.ResourceLogs().Len(); n != 1 {
		t.Fatalf("%d resources, want 1 (no agent: unknown_service)", n)
	}
	rl := out.ResourceLogs().At(0)
	if got := rl.Resource().Attributes().AsRaw(); len(got) != 2 || got["service.name"] != "unknown_service" || got["deployment.environment.name"] != "prod" {
		t.Errorf("resource %v", got)
	}
	sl := rl.ScopeLogs().At(0)
	if sl.Scope().Name() != "unknown" || sl.LogRecords().Len() != 3 {
		t.Fatalf("scope %q with %d records", sl.Scope().Name(), sl.LogRecords().Len())
	}
	cut, _ := sl.LogRecords().At(1).Attributes().Get(InvalidLineAttribute)
	if cut.Str() != strings.Repeat("é", 4096) {
		t.Errorf("a long line is cut to 4096 code points, got %d bytes", len(cut.Str()))
	}
	if sl.LogRecords().At(2).Body().Str() != "ok" {
		t.Errorf("the record after the bad lines: %v", sl.LogRecords().At(2).Body().AsRaw())
	}
}

func TestPassesOtherRecordsOn(t *testing.T) {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "sdk")
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("http")
	sl.LogRecords().AppendEmpty().Body().SetStr("from the SDK")
	out := run(t, &Config{}, ld)
	if got := out.ResourceLogs().At(0).ScopeLogs().At(0).Scope().Name(); got != "http" {
		t.Errorf("scope %q", got)
	}
	if got := out.ResourceLogs().At(0).Resource().Attributes().AsRaw(); got["service.name"] != "sdk" {
		t.Errorf("resource %v", got)
	}
}

func TestGroupsByAgentAndComponent(t *testing.T) {
	out := run(t, &Config{}, fileReceiverBatch(t, []string{
		`{"agent_id": "A1-haiku-001", "component": "bus", "message": "1"}`,
		`{"agent_id": "B2-opus-001", "component": "bus", "message": "2"}`,
		`{"agent_id": "A1-haiku-001", "component": "db", "message": "3"}`,
		`{"agent_id": "A1-haiku-001", "component": "bus", "message": "4"}`,
	}))
	got := map[string]string{}
	for _, rl := range out.ResourceLogs().All() {
		agent, _ := rl.Resource().Attributes().Get("service.instance.id")
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				got[agent.Str()+"/"+sl.Scope().Name()] += lr.Body().Str()
			}
		}
	}
	want := map[string]string{"A1-haiku-001/bus": "14", "B2-opus-001/bus": "2", "A1-haiku-001/db": "3"}
	if len(got) != len(want) {
		t.Fatalf("groups %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("group %s: %q, want %q", k, got[k], v)
		}
	}
	if out.ResourceLogs().Len() != 2 {
		t.Errorf("%d resources, want one per agent", out.ResourceLogs().Len())
	}
}
