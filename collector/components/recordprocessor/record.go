package recordprocessor

import (
	"encoding/hex"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	json "github.com/goccy/go-json"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Attributes the file_log receiver's operators leave on a record (collector/config.yaml, file_log/agents).
const (
	// RecordAttribute holds the parsed JSON object of a line; the mapping takes it apart and removes it.
	RecordAttribute = "tracebridge.record"
	// InvalidLineAttribute holds the raw text of a line that is not a JSON object.
	InvalidLineAttribute = "tracebridge.invalid.line"
)

const (
	invalidPrefix = "tracebridge.invalid."
	// unknownService is service.name without a good agent_id, as the OpenTelemetry SDKs name a service
	// without a name.
	unknownService = "unknown_service"
	// unknownScope is the scope of a record without a good component, the name the SDKs give a logger
	// without one.
	unknownScope = "unknown"
	// maxInvalidRunes bounds a bad field's raw text (code points), as mapRecord's INVALID_VALUE_MAX_LENGTH.
	maxInvalidRunes = 4096
	// maxFlattenDepth is how many key levels below context/metadata become attributes (MAX_FLATTEN_DEPTH).
	maxFlattenDepth = 6
)

// The rules of packages/schema/src/internal/checks.ts, in RE2. The timestamp pattern is the whole rule (a
// real calendar date, leap years included, year >= 1970, hours 00-23), so parsing never fails on what it
// accepts. `\S` of the schema's JavaScript citation pattern is "not JavaScript whitespace": RE2's \S
// knows ASCII whitespace only, so the class lists JavaScript's whitespace in full.
var (
	timestampRE   = regexp.MustCompile(`^(?:(?:19[7-9][0-9]|[2-9][0-9]{3})-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:19(?:7[26]|8[048]|9[26])|[2-9][0-9](?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[3579][26])00)-02-29)T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9][.][0-9]{3,9}Z$`)
	agentIDRE     = regexp.MustCompile(`^[A-Za-z0-9_]+-[A-Za-z0-9_.]+(?:-[A-Za-z0-9_.]+)*-[A-Za-z0-9_.]+$`)
	correlationRE = regexp.MustCompile(`^(?:req-[0-9a-f]{32}|task-[A-Za-z0-9._:-]{1,128}|swarm-[A-Za-z0-9._:-]{1,128})$`)
	componentRE   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.:/-]{0,127}$`)
	traceIDRE     = regexp.MustCompile(`^[0-9a-f]{32}$`)
	spanIDRE      = regexp.MustCompile(`^[0-9a-f]{16}$`)
	traceFlagsRE  = regexp.MustCompile(`^[0-9a-f]{2}$`)
	citationRE    = regexp.MustCompile(`^if://[^\t\n\v\f\r \x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}]+$`)
)

const agentIDMaxLength = 128

// recordFields are the fields of the record (RECORD_FIELDS); any other is a bad field. `otlp_sent` is
// listed but maps nowhere (a line with true never gets here: file_log/agents drops it).
var recordFields = map[string]bool{
	"timestamp": true, "level": true, "agent_id": true, "correlation_id": true, "component": true,
	"message": true, "context": true, "error": true, "performance": true, "trace_id": true, "span_id": true,
	"trace_flags": true, "parent_agent_id": true, "tags": true, "metadata": true, "if_citation": true,
	"otlp_sent": true,
}

var severities = map[string]plog.SeverityNumber{
	"DEBUG": plog.SeverityNumberDebug,
	"INFO":  plog.SeverityNumberInfo,
	"WARN":  plog.SeverityNumberWarn,
	"ERROR": plog.SeverityNumberError,
	"FATAL": plog.SeverityNumberFatal,
}

// identity is where a mapped record belongs: its agent (the resource) and component (the scope).
type identity struct {
	// agent is the record's good agent_id, "" without one.
	agent string
	scope string
}

// badFields collects bad fields in the order mapRecord rejects them; a later one with the same name
// replaces the earlier one's value in its place, as assignment to a JavaScript object does.
type badFields struct {
	names  []string
	values map[string]string
}

func (b *badFields) add(field string, raw pcommon.Value) {
	if b.values == nil {
		b.values = make(map[string]string, 4)
	}
	if _, seen := b.values[field]; !seen {
		b.names = append(b.names, field)
	}
	b.values[field] = invalidText(raw)
}

// mapRecord rewrites one record of the file route in place and returns its identity. `r` is the parsed
// line (removed from the attributes by the caller). The statement of each rule is mapRecord() in
// packages/schema/src/map-record.ts: keep the two in step.
func mapRecord(lr plog.LogRecord, r pcommon.Map) identity {
	id := identity{scope: unknownScope}
	attrs := lr.Attributes()
	var bad badFields

	// timestamp → time_unix_nano. uint64 of Go's UnixNano: exact up to 2554, past int64's 2262.
	if v, ok := r.Get("timestamp"); ok {
		if t, good := timestamp(v); good {
			lr.SetTimestamp(pcommon.Timestamp(uint64(t.UnixNano())))
		} else {
			bad.add("timestamp", v)
		}
	}
	// level → severity_text (as written) and severity_number.
	if v, ok := r.Get("level"); ok {
		if n, good := severities[str(v)]; good && v.Type() == pcommon.ValueTypeStr {
			lr.SetSeverityNumber(n)
			lr.SetSeverityText(v.Str())
		} else {
			bad.add("level", v)
		}
	}
	// message → body.
	if v, ok := r.Get("message"); ok {
		if v.Type() == pcommon.ValueTypeStr {
			lr.Body().SetStr(v.Str())
		} else {
			bad.add("message", v)
		}
	}
	// component → scope name.
	if v, ok := r.Get("component"); ok {
		if v.Type() == pcommon.ValueTypeStr && componentRE.MatchString(v.Str()) {
			id.scope = v.Str()
		} else {
			bad.add("component", v)
		}
	}
	// agent_id → the resource (see resourceOf).
	if v, ok := r.Get("agent_id"); ok {
		if isAgentID(v) {
			id.agent = v.Str()
		} else {
			bad.add("agent_id", v)
		}
	}
	// correlation_id → correlation.id; parent_agent_id → agent.parent.id.
	if v, ok := r.Get("correlation_id"); ok {
		if v.Type() == pcommon.ValueTypeStr && correlationRE.MatchString(v.Str()) {
			attrs.PutStr("correlation.id", v.Str())
		} else {
			bad.add("correlation_id", v)
		}
	}
	if v, ok := r.Get("parent_agent_id"); ok {
		if isAgentID(v) {
			attrs.PutStr("agent.parent.id", v.Str())
		} else {
			bad.add("parent_agent_id", v)
		}
	}

	// error: type/message/stack → exception.*, code → error.type (a number as its JSON text); any other
	// member is a bad field error.<member>; an error that is not an object is bad as a whole.
	if v, ok := r.Get("error"); ok {
		if v.Type() == pcommon.ValueTypeMap {
			e := v.Map()
			for _, f := range [...]struct{ member, attr string }{{"type", "exception.type"}, {"message", "exception.message"}, {"stack", "exception.stacktrace"}} {
				if m, present := e.Get(f.member); present {
					if m.Type() == pcommon.ValueTypeStr {
						attrs.PutStr(f.attr, m.Str())
					} else {
						bad.add("error."+f.member, m)
					}
				}
			}
			if code, present := e.Get("code"); present {
				switch code.Type() {
				case pcommon.ValueTypeStr:
					attrs.PutStr("error.type", code.Str())
				case pcommon.ValueTypeDouble, pcommon.ValueTypeInt:
					attrs.PutStr("error.type", canonicalJSON(code))
				default:
					bad.add("error.code", code)
				}
			}
			for k, m := range e.All() {
				if k != "type" && k != "message" && k != "stack" && k != "code" {
					bad.add("error."+k, m)
				}
			}
		} else {
			bad.add("error", v)
		}
	}

	// performance: every member a non-negative number → performance.<member>, else a bad field.
	if v, ok := r.Get("performance"); ok {
		if v.Type() == pcommon.ValueTypeMap {
			for k, m := range v.Map().All() {
				if f, number := asFloat(m); number && f >= 0 {
					putNumber(attrs, "performance."+k, f)
				} else {
					bad.add("performance."+k, m)
				}
			}
		} else {
			bad.add("performance", v)
		}
	}

	// context and metadata → context.<path> / metadata.<path>.
	for _, field := range [...]string{"context", "metadata"} {
		if v, ok := r.Get(field); ok {
			if v.Type() == pcommon.ValueTypeMap {
				flatten(attrs, field, v.Map(), 1)
			} else {
				bad.add(field, v)
			}
		}
	}

	// tags → tags (a string array); if_citation → if.citation.
	if v, ok := r.Get("tags"); ok {
		if isStringList(v) {
			v.CopyTo(attrs.PutEmpty("tags"))
		} else {
			bad.add("tags", v)
		}
	}
	if v, ok := r.Get("if_citation"); ok {
		if v.Type() == pcommon.ValueTypeStr && citationRE.MatchString(v.Str()) {
			attrs.PutStr("if.citation", v.Str())
		} else {
			bad.add("if_citation", v)
		}
	}

	// trace_id and span_id → trace and span id, both or neither; trace_flags → flags only with them. An
	// id whose partner is missing or bad is a bad field.
	traceV, hasTrace := r.Get("trace_id")
	spanV, hasSpan := r.Get("span_id")
	flagsV, hasFlags := r.Get("trace_flags")
	goodTrace := hasTrace && isID(traceV, traceIDRE)
	goodSpan := hasSpan && isID(spanV, spanIDRE)
	goodFlags := hasFlags && flagsV.Type() == pcommon.ValueTypeStr && traceFlagsRE.MatchString(flagsV.Str())
	if goodTrace && goodSpan {
		var tid pcommon.TraceID
		var sid pcommon.SpanID
		_, _ = hex.Decode(tid[:], []byte(traceV.Str()))
		_, _ = hex.Decode(sid[:], []byte(spanV.Str()))
		lr.SetTraceID(tid)
		lr.SetSpanID(sid)
		if goodFlags {
			var f [1]byte
			_, _ = hex.Decode(f[:], []byte(flagsV.Str()))
			lr.SetFlags(plog.LogRecordFlags(f[0]))
		}
	} else {
		if hasTrace {
			bad.add("trace_id", traceV)
		}
		if hasSpan {
			bad.add("span_id", spanV)
		}
	}
	if hasFlags && !goodFlags {
		bad.add("trace_flags", flagsV)
	}

	// Fields the schema does not list are bad fields under their own name.
	for k, v := range r.All() {
		if !recordFields[k] {
			bad.add(k, v)
		}
	}

	// Bad fields last.
	for _, name := range bad.names {
		attrs.PutStr(invalidPrefix+name, bad.values[name])
	}
	return id
}

func str(v pcommon.Value) string {
	if v.Type() == pcommon.ValueTypeStr {
		return v.Str()
	}
	return ""
}

func timestamp(v pcommon.Value) (time.Time, bool) {
	if v.Type() != pcommon.ValueTypeStr || !timestampRE.MatchString(v.Str()) {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, v.Str())
	return t, err == nil
}

func isAgentID(v pcommon.Value) bool {
	return v.Type() == pcommon.ValueTypeStr && len(v.Str()) <= agentIDMaxLength && agentIDRE.MatchString(v.Str())
}

// isID: lowercase hex of the right length, not all zero (W3C's invalid id).
func isID(v pcommon.Value, re *regexp.Regexp) bool {
	return v.Type() == pcommon.ValueTypeStr && re.MatchString(v.Str()) && strings.Trim(v.Str(), "0") != ""
}

func isStringList(v pcommon.Value) bool {
	if v.Type() != pcommon.ValueTypeSlice {
		return false
	}
	for _, item := range v.Slice().All() {
		if item.Type() != pcommon.ValueTypeStr {
			return false
		}
	}
	return true
}

func asFloat(v pcommon.Value) (float64, bool) {
	switch v.Type() {
	case pcommon.ValueTypeDouble:
		return v.Double(), true
	case pcommon.ValueTypeInt:
		return float64(v.Int()), true
	default:
		return 0, false
	}
}

// integral reports whether a JSON number is an integer within int64 (−2^63 ≤ f < 2^63, 2.0 included):
// the OpenTelemetry JS SDK sends such a number as intValue, any other as doubleValue (docs/mapping.md,
// "Numbers").
func integral(f float64) bool {
	return f >= -9223372036854775808.0 && f < 9223372036854775808.0 && float64(int64(f)) == f
}

func putNumber(m pcommon.Map, key string, f float64) {
	if integral(f) {
		m.PutInt(key, int64(f))
	} else {
		m.PutDouble(key, f)
	}
}

// number copies a JSON number into dst with the same int/double rule.
func number(dst pcommon.Value, f float64) {
	if integral(f) {
		dst.SetInt(int64(f))
	} else {
		dst.SetDouble(f)
	}
}

// flatten writes the members of m under prefix (docs/mapping.md, "Flattening context and metadata"):
// keys joined with `.`, at most maxFlattenDepth deep (an object found at that depth becomes its JSON);
// strings, booleans and numbers kept; arrays whose items are all strings, numbers or booleans stay arrays
// (empty ones too), any other array becomes its JSON; an empty object becomes "{}"; null members are
// left out. depth is the key depth of m's members (1 for the members of context itself).
func flatten(dst pcommon.Map, prefix string, m pcommon.Map, depth int) {
	for k, v := range m.All() {
		name := prefix + "." + k
		switch v.Type() {
		case pcommon.ValueTypeEmpty:
		case pcommon.ValueTypeMap:
			switch {
			case depth >= maxFlattenDepth:
				dst.PutStr(name, canonicalJSON(v))
			case v.Map().Len() == 0:
				dst.PutStr(name, "{}")
			default:
				flatten(dst, name, v.Map(), depth+1)
			}
		case pcommon.ValueTypeSlice:
			if isPrimitiveList(v.Slice()) {
				list := dst.PutEmptySlice(name)
				list.EnsureCapacity(v.Slice().Len())
				for _, item := range v.Slice().All() {
					if f, isNumber := asFloat(item); isNumber {
						number(list.AppendEmpty(), f)
					} else {
						item.CopyTo(list.AppendEmpty())
					}
				}
			} else {
				dst.PutStr(name, canonicalJSON(v))
			}
		case pcommon.ValueTypeDouble:
			putNumber(dst, name, v.Double())
		default:
			v.CopyTo(dst.PutEmpty(name))
		}
	}
}

func isPrimitiveList(s pcommon.Slice) bool {
	for _, item := range s.All() {
		switch item.Type() {
		case pcommon.ValueTypeStr, pcommon.ValueTypeBool, pcommon.ValueTypeDouble, pcommon.ValueTypeInt:
		default:
			return false
		}
	}
	return true
}

// canonicalJSON is the JSON text of a value as docs/mapping.md ("JSON strings") defines it: what
// github.com/goccy/go-json writes for the value's raw form (keys sorted, no whitespace, <>& and
// U+2028/2029 escaped, numbers in their shortest form). The TypeScript mapping writes the same bytes; the
// `canonical-json` vector holds the two equal.
func canonicalJSON(v pcommon.Value) string {
	b, err := json.Marshal(v.AsRaw())
	if err != nil {
		// Only NaN and ±Inf cannot be written, and no JSON parser gives them.
		return "null"
	}
	return string(b)
}

// invalidText is the raw value of a bad field: itself when a string, "null" for null, its canonical
// JSON otherwise, cut to maxInvalidRunes code points.
func invalidText(v pcommon.Value) string {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return cutRunes(v.Str(), maxInvalidRunes)
	case pcommon.ValueTypeEmpty:
		return "null"
	default:
		return cutRunes(canonicalJSON(v), maxInvalidRunes)
	}
}

// cutRunes keeps the first max code points of s (an invalid byte counts as one, as RE2's `.` does).
func cutRunes(s string, max int) string {
	if len(s) <= max {
		return s
	}
	n := 0
	for i := 0; i < len(s); {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
		if n == max {
			return s[:i]
		}
	}
	return s
}
