package redactprocessor

import (
	"context"
	"os"
	"reflect"
	"regexp/syntax"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"
	yaml "go.yaml.in/yaml/v3"
)

const R = DefaultReplacement

// shippedConfig is the processor's configuration in collector/config.yaml, the rules the collector runs.
func shippedConfig(t *testing.T) *Config {
	t.Helper()
	text, err := os.ReadFile("../../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Processors map[string]yaml.Node `yaml:"processors"`
	}
	if err := yaml.Unmarshal(text, &file); err != nil {
		t.Fatal(err)
	}
	node, ok := file.Processors[typeStr]
	if !ok {
		t.Fatalf("collector/config.yaml declares no %s processor", typeStr)
	}
	var raw struct {
		Replacement string   `yaml:"replacement"`
		Names       []string `yaml:"names"`
		NameParts   []string `yaml:"name_parts"`
		Fold        []string `yaml:"fold"`
		Patterns    []struct {
			Regex    string   `yaml:"regex"`
			Triggers []string `yaml:"triggers"`
		} `yaml:"patterns"`
	}
	if err := node.Decode(&raw); err != nil {
		t.Fatal(err)
	}
	cfg := &Config{Replacement: raw.Replacement, Names: raw.Names, NameParts: raw.NameParts, Fold: raw.Fold}
	for _, p := range raw.Patterns {
		// `$$` is the collector config's escape of a literal `$`.
		cfg.Patterns = append(cfg.Patterns, Pattern{Regex: strings.ReplaceAll(p.Regex, "$$", "$"), Triggers: p.Triggers})
	}
	return cfg
}

func redactLogs(t *testing.T, cfg *Config, ld plog.Logs) plog.Logs {
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
	return sink.AllLogs()[0]
}

func oneRecord(t *testing.T, attrs map[string]any, body any) plog.Logs {
	t.Helper()
	ld := plog.NewLogs()
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	if err := lr.Attributes().FromRaw(attrs); err != nil {
		t.Fatal(err)
	}
	if err := lr.Body().FromRaw(body); err != nil {
		t.Fatal(err)
	}
	return ld
}

func record(ld plog.Logs) plog.LogRecord {
	return ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
}

func TestKeysFoldsAndPatterns(t *testing.T) {
	jwt := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl"
	aws := "AKIA" + "IOSFODNN7EXAMPLE"
	in := map[string]any{
		"context.password":                      "hunter2",
		"context.db.Password":                   "pg-secret",
		"context.db.host":                       "db.local",
		"context.db.pin.pwd":                    int64(4321),
		"context.request.headers.Authorization": "Basic dXNlcjpwYXNz",
		"context.request.headers.Set-Cookie":    "sid=abc",
		"context.request.headers.x-request-id":  "r-1",
		"context.credentials.user":              "svc",
		"context.credentials.secret":            "s3cr3t",
		"context.githubToken":                   "ghp_" + strings.Repeat("a1B2", 9),
		"context.usage.tokens":                  int64(1536),
		"context.usage.prompt_tokens":           int64(12),
		"context.note":                          "retry with token=abc123&page=2 and key " + aws,
		"context.argv":                          []any{"curl", "-H", "Authorization: Bearer abcdefghijklmnop", int64(3)},
		"metadata.url":                          "https://x/?access_token=tok-xyz&b=1",
		"metadata.auth.jwt":                     jwt,
		"http.request.header.authorization":     []any{"Bearer " + jwt},
		"nested":                                map[string]any{"api_key": "k", "list": []any{map[string]any{"msg": "token=abc"}}},
		"plain.keyboard":                        "kept",
	}
	out := redactLogs(t, shippedConfig(t), oneRecord(t, in, "upstream refused sk-ant-api03-"+strings.Repeat("q7W", 8)))
	want := map[string]any{
		"context.password":                      R,
		"context.db.Password":                   R,
		"context.db.host":                       "db.local",
		"context.db.pin.pwd":                    R,
		"context.request.headers.Authorization": R,
		"context.request.headers.Set-Cookie":    R,
		"context.request.headers.x-request-id":  "r-1",
		"context.credentials":                   R,
		"context.githubToken":                   R,
		"context.usage.tokens":                  int64(1536),
		"context.usage.prompt_tokens":           int64(12),
		"context.note":                          "retry with " + R + "&page=2 and key " + R,
		"context.argv":                          []any{"curl", "-H", "Authorization: " + R, int64(3)},
		"metadata.url":                          "https://x/?" + R + "&b=1",
		"metadata.auth.jwt":                     R,
		"http.request.header.authorization":     R,
		"nested":                                map[string]any{"api_key": R, "list": []any{map[string]any{"msg": R}}},
		"plain.keyboard":                        "kept",
	}
	lr := record(out)
	if got := lr.Attributes().AsRaw(); !reflect.DeepEqual(got, want) {
		for k, v := range want {
			if !reflect.DeepEqual(got[k], v) {
				t.Errorf("%s: got %#v, want %#v", k, got[k], v)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected attribute %s", k)
			}
		}
	}
	if got := lr.Body().Str(); got != "upstream refused "+R {
		t.Errorf("body %q", got)
	}
}

func TestFoldKeepsTheBranchInPlace(t *testing.T) {
	ld := plog.NewLogs()
	attrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Attributes()
	attrs.PutStr("correlation.id", "task-1")
	attrs.PutStr("context.session.id", "a")
	attrs.PutStr("context.user", "ada")
	attrs.PutInt("context.session.n", 2)
	out := redactLogs(t, shippedConfig(t), ld)
	var keys []string
	for k := range record(out).Attributes().All() {
		keys = append(keys, k)
	}
	if want := []string{"correlation.id", "context.session", "context.user"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
}

func TestBodyMapAndResource(t *testing.T) {
	ld := oneRecord(t, map[string]any{}, map[string]any{"password": int64(1), "text": "PASSWORD=abc"})
	ld.ResourceLogs().At(0).Resource().Attributes().PutEmptySlice("process.command_args").FromRaw([]any{"node", "--api-key=sk-proj-" + strings.Repeat("Xy9", 10)})
	out := redactLogs(t, shippedConfig(t), ld)
	if got := record(out).Body().AsRaw(); !reflect.DeepEqual(got, map[string]any{"password": R, "text": R}) {
		t.Errorf("body %v", got)
	}
	args, _ := out.ResourceLogs().At(0).Resource().Attributes().Get("process.command_args")
	if got := args.AsRaw(); !reflect.DeepEqual(got, []any{"node", "--" + R}) {
		t.Errorf("process.command_args %v", got)
	}
}

func TestTraces(t *testing.T) {
	cfg := shippedConfig(t)
	td := ptrace.NewTraces()
	span := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	span.Attributes().PutStr("url.full", "https://api.example/v1?access_token=tok-xyz&page=2")
	span.Attributes().PutInt("http.response.status_code", 401)
	span.Events().AppendEmpty().Attributes().PutStr("exception.message", "invalid key sk-ant-"+strings.Repeat("q7W", 8))
	sink := new(consumertest.TracesSink)
	p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(NewFactory().Type()), cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.ConsumeTraces(context.Background(), td); err != nil {
		t.Fatal(err)
	}
	got := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	if want := map[string]any{"url.full": "https://api.example/v1?" + R + "&page=2", "http.response.status_code": int64(401)}; !reflect.DeepEqual(got.Attributes().AsRaw(), want) {
		t.Errorf("span attributes %v", got.Attributes().AsRaw())
	}
	if v, _ := got.Events().At(0).Attributes().Get("exception.message"); v.Str() != "invalid key "+R {
		t.Errorf("event %q", v.Str())
	}
}

func TestDrop(t *testing.T) {
	cfg := shippedConfig(t)
	cfg.Drop = []string{"tracebridge.route"}
	ld := oneRecord(t, map[string]any{"tracebridge.route": "0af7651916cd43dd8448eb211c80319c", "tracebridge.router": "kept", "api_key": "x"}, "body")
	if got, want := record(redactLogs(t, cfg, ld)).Attributes().AsRaw(), map[string]any{"tracebridge.router": "kept", "api_key": R}; !reflect.DeepEqual(got, want) {
		t.Errorf("log attributes %v", got)
	}
	td := ptrace.NewTraces()
	td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty().Attributes().PutStr("tracebridge.route", "x")
	r, err := newRedactor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	td, _ = r.processTraces(context.Background(), td)
	if n := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().Len(); n != 0 {
		t.Errorf("span kept %d attributes", n)
	}
	// Drop alone is something to do.
	if err := (&Config{Replacement: R, Drop: []string{"k"}}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestEveryPatternHasATrigger(t *testing.T) {
	cfg := shippedConfig(t)
	// One match of each pattern, in the logger's order: each must be found through its triggers.
	samples := []string{"postgres://a:b@h", "Authorization: Basic abcd", "Bearer abcdefgh", "AKIA" + "1234567890ABCDEF", "eyJabcde.fghij.klmno", "Api-Key=zzz", "-----BEGIN PRIVATE KEY-----\nx", "xoxb-0123456789"}
	if len(samples) != len(cfg.Patterns) {
		t.Fatalf("%d patterns, %d samples: add a sample (and a trigger) for the new pattern", len(cfg.Patterns), len(samples))
	}
	r, err := newRedactor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range samples {
		if got := r.redactString(s); got == s {
			t.Errorf("pattern %d: %q kept", i, s)
		}
		if r.candidates(s)&(1<<i) == 0 {
			t.Errorf("pattern %d has no trigger in %q", i, s)
		}
	}
}

// The three shapes #21 found leaking through the defaults, and one of each provider key format.
func TestConnectionURLsHeadersAndProviderKeys(t *testing.T) {
	b := func(n int) string { return strings.Repeat("aB3dE5gH7jK9mN1pQ2", 8)[:n] }
	pw := "Pg" + "pass-9x!"
	basic := "YmlsbGluZzpCczNjcmV0" // base64 of a user and a password
	in := map[string]any{
		"context.dsn":         "postgres://app:" + pw + "@db:5432/orders",
		"context.tool":        `curl -H "Authorization: Basic ` + basic + `" https://x`,
		"context.billing.key": "sk_" + "live_" + b(24),
		"context.public":      "pk_" + "live_" + b(24),
		"context.keys": []any{
			"sk_" + "test_" + b(24), "rk_" + "live_" + b(24), "whsec_" + b(32), "gsk_" + b(52), "xai-" + b(80), "pplx-" + b(48), "hf_" + b(34),
			"r8_" + b(37), "ASIA" + "QWERTYUIOPASDFGH", "GOCSPX-" + b(28), "ya29." + b(60), "dop_v1_" + strings.Repeat("0a", 32), "ghs_" + b(36),
			"glpat-" + b(20), "npm_" + b(36), "xoxp-1234567890-" + b(24), "sq0atp-" + b(22), "ATATT3" + b(60),
		},
		"context.azure":        "AccountName=app;AccountKey=" + b(40) + "==;EndpointSuffix=core.windows.net",
		"exception.message":    "connect ECONNREFUSED postgres://app:" + pw + "@db/orders",
		"exception.stacktrace": "Error: connect ECONNREFUSED postgres://app:" + pw + "@db/orders\n    at f (file:///srv/app.js:1:2)",
		"context.headers":      "{ authorization: 'bearer abc.def' }",
		"context.kept":         []any{"https://ada@example.com/r.git", "https://example.com:8443/a?b=c", "Basic settings saved", "hf_hub_download", "page=2&limit=50"},
	}
	keys := make([]any, 18)
	for i := range keys {
		keys[i] = R
	}
	want := map[string]any{
		"context.dsn":          "postgres://app:" + R + "@db:5432/orders",
		"context.tool":         `curl -H "Authorization: ` + R + `" https://x`,
		"context.billing.key":  R,
		"context.public":       "pk_" + "live_" + b(24),
		"context.keys":         keys,
		"context.azure":        "AccountName=app;" + R,
		"exception.message":    "connect ECONNREFUSED postgres://app:" + R + "@db/orders",
		"exception.stacktrace": "Error: connect ECONNREFUSED postgres://app:" + R + "@db/orders\n    at f (file:///srv/app.js:1:2)",
		"context.headers":      "{ authorization: '" + R + "' }",
		"context.kept":         []any{"https://ada@example.com/r.git", "https://example.com:8443/a?b=c", "Basic settings saved", "hf_hub_download", "page=2&limit=50"},
	}
	out := redactLogs(t, shippedConfig(t), oneRecord(t, in, "pool for postgres://app:"+pw+"@db/orders failed"))
	got := record(out).Attributes().AsRaw()
	for k, v := range want {
		if !reflect.DeepEqual(got[k], v) {
			t.Errorf("%s: got %#v, want %#v", k, got[k], v)
		}
	}
	if body := record(out).Body().Str(); body != "pool for postgres://app:"+R+"@db/orders failed" {
		t.Errorf("body %q", body)
	}
}

// A pattern with a group named `secret` has only that group replaced; the rest of its match is kept.
func TestSecretGroup(t *testing.T) {
	cfg := &Config{Replacement: R, Patterns: []Pattern{{Regex: `user=(\w+) pass=(?<secret>\w+)`, Triggers: []string{"pass="}}}}
	out := redactLogs(t, cfg, oneRecord(t, map[string]any{"a": "x user=ada pass=hunter2 y user=bob pass=s3 z"}, ""))
	if got, _ := record(out).Attributes().Get("a"); got.Str() != "x user=ada pass="+R+" y user=bob pass="+R+" z" {
		t.Errorf("got %q", got.Str())
	}
}

// Triggers are found whatever their ASCII case when the pattern ignores case, and only as written when
// it does not (a case-sensitive pattern gains nothing from more candidates).
func TestTriggersFollowThePatternsCase(t *testing.T) {
	cfg := &Config{Replacement: R, Patterns: []Pattern{
		{Regex: `(?i:token)=\w+`, Triggers: []string{"token="}},
		{Regex: `AKIA[0-9A-Z]{4}`, Triggers: []string{"AKIA"}},
	}}
	r, err := newRedactor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{"a TOKEN=x": "a " + R, "a ToKeN=x": "a " + R, "AKIA1234": R, "akia1234": "akia1234"} {
		if got := r.redactString(in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
	if r.candidates("akia1234")&2 != 0 {
		t.Errorf("a case-sensitive trigger found in another case")
	}
}

func TestMinLength(t *testing.T) {
	for re, want := range map[string]int{`\bBearer\s+[A-Za-z0-9]{8,}=*`: 15, `a|bc`: 1, `(?:x{3}y)?z`: 1, `é+`: 2, `\b(?i:pwd|token)=[^&]+`: 5} {
		parsed, err := syntax.Parse(re, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		if got := minLength(parsed.Simplify()); got != want {
			t.Errorf("%s: %d, want %d", re, got, want)
		}
	}
}

func TestKeyMemoryIsBounded(t *testing.T) {
	r, err := newRedactor(shippedConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3*maxKeys; i++ {
		key := "context.k" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "." + strings.Repeat("y", i/26)
		if got := r.info(key).verdict; got != keep {
			t.Fatalf("%s: verdict %d", key, got)
		}
	}
	if n := r.keyCount.Load(); n > maxKeys {
		t.Errorf("%d keys remembered, at most %d", n, maxKeys)
	}
	if got := r.info("context.credentials.user"); got.verdict != exact || got.branch != len("context.credentials") {
		t.Errorf("after a reset: %+v", got)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []*Config{
		{Replacement: R},
		{Replacement: "", Names: []string{"x"}},
		{Replacement: R, Patterns: []Pattern{{Regex: "("}}},
		{Replacement: R, Names: []string{"--"}},
		{Replacement: R, Patterns: []Pattern{{Regex: "x", Triggers: []string{""}}}},
		{Replacement: R, Drop: []string{""}},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}

func BenchmarkTypicalRecord(b *testing.B) {
	cfg := shippedConfig(&testing.T{})
	r, err := newRedactor(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	_ = rl.Resource().Attributes().FromRaw(map[string]any{"service.name": "W1", "service.instance.id": "W1-haiku-001", "gen_ai.agent.id": "W1-haiku-001", "gen_ai.agent.name": "W1"})
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	_ = lr.Attributes().FromRaw(map[string]any{"correlation.id": "task-bench-1", "performance.duration_ms": int64(12), "context.item_id": int64(1), "context.queue": "tasks", "context.attempt": int64(1), "context.user": "ada", "context.region": "eu-west-1"})
	lr.Body().SetStr("processed item 1 from the tasks queue")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, _ = r.processLogs(context.Background(), ld)
	}
}

// BenchmarkBusyRecord: a record whose strings the patterns must look at (URLs, `key=value` text, an ESM
// stack of `file://` frames) without holding a secret: what the triggers let through costs here.
func BenchmarkBusyRecord(b *testing.B) {
	r, err := newRedactor(shippedConfig(&testing.T{}))
	if err != nil {
		b.Fatal(err)
	}
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	_ = rl.Resource().Attributes().FromRaw(map[string]any{"service.name": "W1", "service.instance.id": "W1-haiku-001"})
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	stack := strings.Join([]string{
		"UpstreamError: upstream https://api.example.com/v1/items answered 503: Service Unavailable",
		"    at fetchItems (file:///srv/agent/dist/tools/fetch.js:41:13)",
		"    at async runTool (file:///srv/agent/dist/tools/run.js:88:20)",
		"    at async Agent.step (file:///srv/agent/dist/agent.js:212:7)",
		"    at async Agent.loop (file:///srv/agent/dist/agent.js:150:9)",
	}, "\n")
	_ = lr.Attributes().FromRaw(map[string]any{
		"correlation.id":         "task-bench-1",
		"context.url":            "https://api.example.com/v1/items?page=2&limit=50",
		"context.model":          "claude-sonnet-4-5",
		"context.command":        "git fetch origin main --depth=1",
		"context.tool.name":      "fetch_page",
		"context.tool.args.href": "https://docs.example.org/guide#install",
		"context.host":           "db.internal:5432",
		"exception.type":         "UpstreamError",
		"exception.message":      "upstream https://api.example.com/v1/items answered 503: Service Unavailable",
		"exception.stacktrace":   stack,
	})
	lr.Body().SetStr("GET https://api.example.com/v1/items?page=2 answered 503 after 1200 ms")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, _ = r.processLogs(context.Background(), ld)
	}
}

// A one-byte trigger, which the pair filter cannot hold, still lets its pattern run.
func TestOneByteTrigger(t *testing.T) {
	cfg := &Config{Replacement: R, Patterns: []Pattern{{Regex: `=\d+`, Triggers: []string{"="}}, {Regex: `(?i:ab)c`, Triggers: []string{"AB"}}}}
	r, err := newRedactor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{"x=12": "x" + R, "=": "=", "abc": R, "aBc": R, "ab": "ab"} {
		if got := r.redactString(in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}
