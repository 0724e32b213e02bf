package recordprocessor

import (
	"context"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

type mapper struct {
	environment string
}

func newMapper(cfg *Config) *mapper {
	return &mapper{environment: cfg.Environment}
}

// groupKey names a resource of the output: a mapped record's agent ("" for none) under the input
// resource it came from, or (mapped false) the input resource itself for a record left as it was.
type groupKey struct {
	source int
	agent  string
	mapped bool
}

type group struct {
	rl     plog.ResourceLogs
	scopes map[string]plog.ScopeLogs
}

// processLogs maps every record that carries a parsed line (or the text of a line that is not JSON) and
// regroups the batch by resource (the record's agent) and scope (its component), since every record of
// a file comes from the receiver in one resource and scope. Records of one group keep their order.
// Records with neither attribute are passed on in their own resource and scope.
func (m *mapper) processLogs(_ context.Context, ld plog.Logs) (plog.Logs, error) {
	if !hasFileRecords(ld) {
		return ld, nil
	}
	out := plog.NewLogs()
	groups := make(map[groupKey]*group)
	for i, rl := range ld.ResourceLogs().All() {
		for j, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				key := groupKey{source: i}
				scope := ""
				if id, mapped := m.mapOne(lr); mapped {
					key.agent, key.mapped, scope = id.agent, true, "n"+id.scope
				} else {
					scope = "i" + strconv.Itoa(j)
				}
				g := groups[key]
				if g == nil {
					g = &group{rl: out.ResourceLogs().AppendEmpty(), scopes: make(map[string]plog.ScopeLogs, 1)}
					g.rl.SetSchemaUrl(rl.SchemaUrl())
					if key.mapped {
						m.resourceOf(rl.Resource(), key.agent, g.rl.Resource())
					} else {
						rl.Resource().CopyTo(g.rl.Resource())
					}
					groups[key] = g
				}
				dst, ok := g.scopes[scope]
				if !ok {
					dst = g.rl.ScopeLogs().AppendEmpty()
					dst.SetSchemaUrl(sl.SchemaUrl())
					sl.Scope().CopyTo(dst.Scope())
					if key.mapped {
						dst.Scope().SetName(scope[1:])
					}
					g.scopes[scope] = dst
				}
				lr.MoveTo(dst.LogRecords().AppendEmpty())
			}
		}
	}
	return out, nil
}

func hasFileRecords(ld plog.Logs) bool {
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				a := lr.Attributes()
				if _, ok := a.Get(RecordAttribute); ok {
					return true
				}
				if _, ok := a.Get(InvalidLineAttribute); ok {
					return true
				}
			}
		}
	}
	return false
}

// mapOne maps a record of the file route; false when it carries neither a parsed line nor an invalid one.
func (m *mapper) mapOne(lr plog.LogRecord) (identity, bool) {
	attrs := lr.Attributes()
	if v, ok := attrs.Get(RecordAttribute); ok && v.Type() == pcommon.ValueTypeMap {
		r := pcommon.NewMap()
		v.Map().MoveTo(r)
		attrs.Remove(RecordAttribute)
		return mapRecord(lr, r), true
	}
	if v, ok := attrs.Get(InvalidLineAttribute); ok {
		// A line that is not a JSON object: an empty record plus the line, cut like a bad field.
		if v.Type() == pcommon.ValueTypeStr {
			v.SetStr(cutRunes(v.Str(), maxInvalidRunes))
		}
		return identity{scope: unknownScope}, true
	}
	return identity{}, false
}

// resourceOf is the record's resource: service.name (the role, else unknown_service),
// service.instance.id, gen_ai.agent.id, gen_ai.agent.name, in this order (agentResource() of the
// TypeScript mapping), then deployment.environment.name, over what the receiver gave.
func (m *mapper) resourceOf(src pcommon.Resource, agent string, dst pcommon.Resource) {
	src.CopyTo(dst)
	a := dst.Attributes()
	if agent == "" {
		a.PutStr("service.name", unknownService)
	} else {
		role := agent[:strings.IndexByte(agent, '-')]
		a.PutStr("service.name", role)
		a.PutStr("service.instance.id", agent)
		a.PutStr("gen_ai.agent.id", agent)
		a.PutStr("gen_ai.agent.name", role)
	}
	if m.environment != "" {
		a.PutStr("deployment.environment.name", m.environment)
	}
}
