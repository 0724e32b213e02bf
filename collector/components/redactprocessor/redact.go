package redactprocessor

import (
	"bytes"
	"context"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

type redactor struct {
	// keys remembers what each attribute key is worth (a keyInfo): agents use the same few dozen keys
	// on every record. Bounded: emptied when it holds maxKeys.
	keys        atomic.Pointer[sync.Map]
	keyCount    atomic.Int64
	replacement string
	names       map[string]bool
	parts       [][]byte
	fold        map[string]bool
	patterns    []pattern
	drop        []string
	// byFirstByte: the triggers of every pattern, by the byte they start with (both ASCII cases of it for
	// a trigger found in any case), so one pass over a string finds which patterns it may hold.
	byFirstByte [256][]trigger
	// startPairs: bit (b0, b1) is set when some trigger starts with those two bytes (in any case for a
	// trigger found in any case), so most positions of a string are passed over by one bit test.
	startPairs [256][4]uint64
	// shortTriggers: some trigger is a single byte, which startPairs cannot hold.
	shortTriggers bool
	// always: the patterns without triggers, searched in every string long enough.
	always uint64
	// minLen: the fewest bytes any pattern's match takes.
	minLen int
}

type pattern struct {
	re *regexp.Regexp
	// minLen is the fewest bytes a match takes: shorter strings are not searched.
	minLen int
	// secret is the index of the group named `secret`, the only part of a match replaced; -1: the whole
	// match is.
	secret int
}

// trigger is a text whose presence lets a pattern run.
type trigger struct {
	text string
	// anyCase: found whatever its ASCII case (its pattern ignores case somewhere).
	anyCase bool
	pattern uint64
}

func newRedactor(c *Config) (*redactor, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	r := &redactor{replacement: c.Replacement, names: map[string]bool{}, fold: map[string]bool{}, drop: c.Drop}
	for _, n := range c.Names {
		r.names[normalise(n)] = true
	}
	for _, p := range c.NameParts {
		r.parts = append(r.parts, []byte(normalise(p)))
	}
	for _, f := range c.Fold {
		r.fold[f] = true
	}
	r.keys.Store(new(sync.Map))
	r.minLen = -1
	for i, p := range c.Patterns {
		re := regexp.MustCompile(p.Regex)
		parsed, err := syntax.Parse(p.Regex, syntax.Perl)
		if err != nil {
			return nil, err
		}
		compiled := pattern{re: re, minLen: minLength(parsed.Simplify()), secret: re.SubexpIndex("secret")}
		r.patterns = append(r.patterns, compiled)
		if r.minLen < 0 || compiled.minLen < r.minLen {
			r.minLen = compiled.minLen
		}
		bit := uint64(1) << i
		if len(p.Triggers) == 0 {
			r.always |= bit
			continue
		}
		anyCase := foldsCase(parsed)
		for _, t := range p.Triggers {
			r.addTrigger(trigger{text: t, anyCase: anyCase, pattern: bit})
		}
	}
	r.minLen = max(r.minLen, 0)
	return r, nil
}

// foldsCase tells whether some part of re ignores case: its triggers must then be found in any case.
func foldsCase(re *syntax.Regexp) bool {
	if re.Flags&syntax.FoldCase != 0 && (re.Op == syntax.OpLiteral || re.Op == syntax.OpCharClass) {
		return true
	}
	for _, sub := range re.Sub {
		if foldsCase(sub) {
			return true
		}
	}
	return false
}

// addTrigger files a trigger under the byte it starts with (and the pair of bytes), in both ASCII cases
// when it is found in any case.
func (r *redactor) addTrigger(t trigger) {
	cases := func(c byte) []byte { return []byte{c} }
	if t.anyCase {
		t.text = strings.ToLower(t.text)
		cases = func(c byte) []byte {
			if u := asciiUpper(c); u != c {
				return []byte{c, u}
			}
			return []byte{c}
		}
	}
	for _, b0 := range cases(t.text[0]) {
		r.byFirstByte[b0] = append(r.byFirstByte[b0], t)
		if len(t.text) == 1 {
			r.shortTriggers = true
			continue
		}
		for _, b1 := range cases(t.text[1]) {
			r.startPairs[b0][b1>>6] |= 1 << (b1 & 63)
		}
	}
}

func asciiUpper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

func asciiLower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c - 'A' + 'a'
	}
	return c
}

// normalise is the logger's normaliseKey: lower case, letters and digits only.
func normalise(s string) string {
	var b strings.Builder
	for _, c := range s {
		c = unicode.ToLower(c)
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// normaliseInto is normalise into a reused buffer (keys repeat on every record: no allocation per key).
func normaliseInto(buf []byte, s string) []byte {
	buf = buf[:0]
	for i := 0; i < len(s); {
		c := rune(s[i])
		size := 1
		if c >= utf8.RuneSelf {
			c, size = utf8.DecodeRuneInString(s[i:])
			c = unicode.ToLower(c)
		} else if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		i += size
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			buf = append(buf, byte(c))
		}
	}
	return buf
}

const (
	keep = iota
	// exact: a segment is one of Names; the value goes whatever its type.
	exact
	// part: the last segment contains one of NameParts; the value goes if it is a string.
	part
)

func (r *redactor) verdict(key string) int {
	var storage [64]byte
	buf := storage[:0]
	for start := 0; ; {
		end := strings.IndexByte(key[start:], '.')
		last := end < 0
		seg := key[start:]
		if !last {
			seg = key[start : start+end]
		}
		buf = normaliseInto(buf, seg)
		if r.names[string(buf)] {
			return exact
		}
		if last {
			for _, p := range r.parts {
				if bytes.Contains(buf, p) {
					return part
				}
			}
			return keep
		}
		start += end + 1
	}
}

const maxKeys = 10_000

// keyInfo is what a key is worth: its verdict, and the length of the branch it folds into (0: none).
type keyInfo struct {
	verdict int
	branch  int
}

func (r *redactor) info(key string) keyInfo {
	keys := r.keys.Load()
	if v, ok := keys.Load(key); ok {
		return v.(keyInfo)
	}
	ki := keyInfo{verdict: r.verdict(key)}
	if branch, ok := r.foldKey(key); ok {
		ki.branch = len(branch)
	}
	if r.keyCount.Add(1) > maxKeys {
		keys = new(sync.Map)
		r.keys.Store(keys)
		r.keyCount.Store(0)
	}
	// A copy: the key may share the memory of the whole request it was decoded from.
	keys.Store(strings.Clone(key), ki)
	return ki
}

func (r *redactor) sensitive(key string, v pcommon.Value) bool {
	switch r.info(key).verdict {
	case exact:
		return true
	case part:
		return v.Type() == pcommon.ValueTypeStr
	default:
		return false
	}
}

// foldKey is the branch a flattened key belongs to when it is to be folded: under a Fold prefix, the key
// up to its first segment in Names that is not its last.
func (r *redactor) foldKey(key string) (string, bool) {
	dot := strings.IndexByte(key, '.')
	if dot < 0 || !r.fold[key[:dot]] {
		return "", false
	}
	var storage [64]byte
	for pos := dot; ; {
		next := strings.IndexByte(key[pos+1:], '.')
		if next < 0 {
			return "", false
		}
		end := pos + 1 + next
		if r.names[string(normaliseInto(storage[:0], key[pos+1:end]))] {
			return key[:end], true
		}
		pos = end
	}
}

// redactString replaces every pattern in s, in order; a pattern only runs when s holds one of its
// triggers and is at least as long as its shortest match.
func (r *redactor) redactString(s string) string {
	if len(s) < r.minLen {
		return s
	}
	candidates := r.candidates(s)
	for i := range r.patterns {
		p := &r.patterns[i]
		if candidates&(1<<i) == 0 || len(s) < p.minLen || !p.re.MatchString(s) {
			continue
		}
		s = p.replace(s, r.replacement)
		// The text changed: what it may hold is found again (a rare event: something was redacted).
		candidates = r.candidates(s)
	}
	return s
}

// candidates is the set of patterns (bit i: pattern i) s holds a trigger of, in one pass over s: the
// cost of a string without any trigger is a bit test per byte, whatever the number of triggers.
func (r *redactor) candidates(s string) uint64 {
	found := r.always
	for i := 0; i < len(s); i++ {
		if !r.shortTriggers && (i+1 == len(s) || r.startPairs[s[i]][s[i+1]>>6]&(1<<(s[i+1]&63)) == 0) {
			continue
		}
		for _, t := range r.byFirstByte[s[i]] {
			if found&t.pattern == 0 && t.at(s[i:]) {
				found |= t.pattern
			}
		}
	}
	return found
}

// at tells whether s starts with the trigger.
func (t *trigger) at(s string) bool {
	if len(s) < len(t.text) {
		return false
	}
	if !t.anyCase {
		return s[:len(t.text)] == t.text
	}
	for j := 0; j < len(t.text); j++ {
		if asciiLower(s[j]) != t.text[j] {
			return false
		}
	}
	return true
}

// replace replaces every match of p in s, or, when p has a `secret` group, what that group holds.
func (p *pattern) replace(s, replacement string) string {
	if p.secret < 0 {
		return p.re.ReplaceAllLiteralString(s, replacement)
	}
	var b strings.Builder
	last := 0
	for _, m := range p.re.FindAllStringSubmatchIndex(s, -1) {
		start, end := m[0], m[1]
		if m[2*p.secret] >= 0 {
			start, end = m[2*p.secret], m[2*p.secret+1]
		}
		b.WriteString(s[last:start])
		b.WriteString(replacement)
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}

// minLength is the fewest bytes any match of re takes (a character is at least one byte).
func minLength(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpLiteral:
		n := 0
		for _, c := range re.Rune {
			n += utf8.RuneLen(c)
		}
		return n
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1
	case syntax.OpCapture, syntax.OpPlus:
		return minLength(re.Sub[0])
	case syntax.OpRepeat:
		return re.Min * minLength(re.Sub[0])
	case syntax.OpConcat:
		n := 0
		for _, sub := range re.Sub {
			n += minLength(sub)
		}
		return n
	case syntax.OpAlternate:
		n := -1
		for _, sub := range re.Sub {
			if m := minLength(sub); n < 0 || m < n {
				n = m
			}
		}
		return max(n, 0)
	default: // empty-width assertions, star, quest, empty match
		return 0
	}
}

// value cleans one value: the patterns in a string, and the members of maps and arrays at any depth
// (a map member's key under the same rules as an attribute's).
func (r *redactor) value(v pcommon.Value) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		if s := r.redactString(v.Str()); s != v.Str() {
			v.SetStr(s)
		}
	case pcommon.ValueTypeMap:
		r.members(v.Map())
	case pcommon.ValueTypeSlice:
		for _, item := range v.Slice().All() {
			r.value(item)
		}
	}
}

func (r *redactor) members(m pcommon.Map) {
	for k, v := range m.All() {
		if r.sensitive(k, v) {
			v.SetStr(r.replacement)
		} else {
			r.value(v)
		}
	}
}

// dropKeys removes the Drop keys from a record's or a span's own attributes.
func (r *redactor) dropKeys(m pcommon.Map) {
	for _, k := range r.drop {
		m.Remove(k)
	}
}

// attributes cleans an attribute map: folded branches first, then every key and value.
func (r *redactor) attributes(m pcommon.Map) {
	if len(r.fold) > 0 {
		r.foldBranches(m)
	}
	r.members(m)
}

func (r *redactor) foldBranches(m pcommon.Map) {
	folds := false
	for k := range m.All() {
		if r.info(k).branch > 0 {
			folds = true
			break
		}
	}
	if !folds {
		return
	}
	// Rebuilt in order: a folded branch takes the place of its first member.
	out := pcommon.NewMap()
	out.EnsureCapacity(m.Len())
	for k, v := range m.All() {
		if n := r.info(k).branch; n > 0 {
			out.PutStr(k[:n], r.replacement)
			continue
		}
		v.CopyTo(out.PutEmpty(k))
	}
	out.MoveTo(m)
}

func (r *redactor) processLogs(_ context.Context, ld plog.Logs) (plog.Logs, error) {
	for _, rl := range ld.ResourceLogs().All() {
		r.attributes(rl.Resource().Attributes())
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				r.dropKeys(lr.Attributes())
				r.attributes(lr.Attributes())
				r.value(lr.Body())
			}
		}
	}
	return ld, nil
}

func (r *redactor) processTraces(_ context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	for _, rs := range td.ResourceSpans().All() {
		r.attributes(rs.Resource().Attributes())
		for _, ss := range rs.ScopeSpans().All() {
			for _, span := range ss.Spans().All() {
				r.dropKeys(span.Attributes())
				r.attributes(span.Attributes())
				for _, event := range span.Events().All() {
					r.attributes(event.Attributes())
				}
			}
		}
	}
	return td, nil
}
