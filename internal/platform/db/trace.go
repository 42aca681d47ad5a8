package db

import (
	"context"
	"database/sql/driver"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Trace records the statements run for one request, so that the load
// test's bare baseline can run the very same statements (scripts/load, and
// the app's debug address). Recording is off unless EnableTracing was
// called: then a statement run with a context carrying a Trace is added
// to it.
type Trace struct {
	mu    sync.Mutex
	Stmts []TracedStmt
}

// TracedStmt is one statement as it was sent (placeholders rebound) with
// its arguments; Write is true for ExecContext.
type TracedStmt struct {
	Query string
	Args  []any
	Write bool
}

type traceKey struct{}

var tracing atomic.Bool

// EnableTracing turns statement tracing on for the process (the debug
// address does, when it is served).
func EnableTracing() { tracing.Store(true) }

// WithTrace returns ctx recording its statements into t.
func WithTrace(ctx context.Context, t *Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

func trace(ctx context.Context, d *DB, q string, args []any, write bool) {
	if !tracing.Load() {
		return
	}
	t, _ := ctx.Value(traceKey{}).(*Trace)
	if t == nil {
		return
	}
	q = d.Rebind(q)
	t.mu.Lock()
	t.Stmts = append(t.Stmts, TracedStmt{Query: q, Args: append([]any(nil), args...), Write: write || !isRead(q)})
	t.mu.Unlock()
}

// isRead says whether a query only reads (SELECT, WITH … SELECT, VALUES).
func isRead(q string) bool {
	q = strings.ToUpper(strings.TrimSpace(q))
	return strings.HasPrefix(q, "SELECT") || strings.HasPrefix(q, "VALUES") ||
		strings.HasPrefix(q, "WITH") && !strings.Contains(q, "INSERT") && !strings.Contains(q, "UPDATE") && !strings.Contains(q, "DELETE")
}

// TypedArg is a traced argument as JSON that keeps its Go type, so that a
// replay binds the same value: T is "null", "string", "bytes" (V base64),
// "int", "float", "bool", "time" (RFC 3339 with nanoseconds) or, for a
// driver option such as pgx's query mode, "option" (left out when
// replayed), with V its text.
type TypedArg struct {
	T string `json:"t"`
	V any    `json:"v,omitempty"`
}

// TypeArgs describes args for JSON.
func TypeArgs(args []any) []TypedArg {
	out := make([]TypedArg, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case nil:
			out[i] = TypedArg{T: "null"}
		case string:
			out[i] = TypedArg{"string", v}
		case []byte:
			out[i] = TypedArg{"bytes", v}
		case int:
			out[i] = TypedArg{"int", int64(v)}
		case int64:
			out[i] = TypedArg{"int", v}
		case int32:
			out[i] = TypedArg{"int", int64(v)}
		case float64:
			out[i] = TypedArg{"float", v}
		case bool:
			out[i] = TypedArg{"bool", v}
		case time.Time:
			out[i] = TypedArg{"time", v.Format(time.RFC3339Nano)}
		case driver.Valuer:
			x, err := v.Value()
			if err != nil {
				out[i] = TypedArg{"option", fmt.Sprint(a)}
				continue
			}
			out[i] = TypeArgs([]any{x})[0]
		default:
			out[i] = TypedArg{"option", fmt.Sprint(a)}
		}
	}
	return out
}

// Value is the argument as the driver was given it (nil for an option).
func (a TypedArg) Value() (any, bool) {
	switch a.T {
	case "null":
		return nil, true
	case "string":
		s, _ := a.V.(string)
		return s, true
	case "bytes":
		s, _ := a.V.(string)
		b, err := base64.StdEncoding.DecodeString(s)
		return b, err == nil
	case "int":
		switch n := a.V.(type) {
		case json.Number:
			i, err := n.Int64()
			return i, err == nil
		case float64:
			return int64(n), true
		}
		return int64(0), a.V == nil
	case "float":
		switch n := a.V.(type) {
		case json.Number:
			f, err := n.Float64()
			return f, err == nil
		case float64:
			return n, true
		}
		return 0.0, a.V == nil
	case "bool":
		b, _ := a.V.(bool)
		return b, true
	case "time":
		s, _ := a.V.(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		return t, err == nil
	}
	return nil, false
}
