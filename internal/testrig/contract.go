package testrig

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/cybernorms/cybernorms/internal/platform/api"
)

// Contract holds the compiled OpenAPI document of a rig: every JSON answer
// a Client receives from an /api/ route is validated against the schema its
// operation declares for the status (JSON Schema 2020-12, by
// github.com/santhosh-tekuri/jsonschema), and a status the operation does
// not declare is an error. So every module's tests check the document
// against the code without writing anything.
type Contract struct {
	once sync.Once
	err  error
	ops  []*contractOp
	spec *api.Spec
}

type contractOp struct {
	Method, Path string
	re           *regexp.Regexp
	literal      int                        // literal characters, to prefer /issues/feed over /issues/{slug}
	JSON         map[int]*jsonschema.Schema // JSON schema by declared status
	Declared     map[int]bool
}

var tmplParam = regexp.MustCompile(`\{([A-Za-z0-9_]+)(\.\.\.)?\}`)

func (c *Contract) load() error {
	c.once.Do(func() {
		raw, err := json.Marshal(c.spec.Document())
		if err != nil {
			c.err = err
			return
		}
		// Every rig of a test process serves the same document: it is
		// compiled once (a quarter of a module's test time when each rig
		// compiled its own), and its operations shared, read only.
		sum := sha256.Sum256(raw)
		v, _ := compiledContracts.LoadOrStore(sum, sync.OnceValue(func() *Contract {
			built := &Contract{}
			built.err = built.build(raw)
			return built
		}))
		built := v.(func() *Contract)()
		c.ops, c.err = built.ops, built.err
	})
	return c.err
}

// compiledContracts are the documents compiled so far, by the SHA-256 of
// their JSON.
var compiledContracts sync.Map

func (c *Contract) build(raw []byte) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	root := doc.(map[string]any)
	paths, _ := root["paths"].(map[string]any)
	var schemas []any
	type pending struct {
		op     *contractOp
		status int
		index  int
	}
	var todo []pending
	for p, item := range paths {
		for method, o := range item.(map[string]any) {
			op := &contractOp{Method: strings.ToUpper(method), Path: p, JSON: map[int]*jsonschema.Schema{}, Declared: map[int]bool{}}
			var re strings.Builder
			re.WriteString("^")
			last := 0
			for _, m := range tmplParam.FindAllStringSubmatchIndex(p, -1) {
				re.WriteString(regexp.QuoteMeta(p[last:m[0]]))
				op.literal += m[0] - last
				if m[4] >= 0 {
					re.WriteString(".+")
				} else {
					re.WriteString("[^/]+")
				}
				last = m[1]
			}
			re.WriteString(regexp.QuoteMeta(p[last:]))
			op.literal += len(p) - last
			re.WriteString("$")
			op.re = regexp.MustCompile(re.String())
			responses, _ := o.(map[string]any)["responses"].(map[string]any)
			for code, r := range responses {
				st, err := strconv.Atoi(code)
				if err != nil {
					continue // default
				}
				op.Declared[st] = true
				content, _ := r.(map[string]any)["content"].(map[string]any)
				if js, ok := content["application/json"].(map[string]any); ok && js["schema"] != nil {
					todo = append(todo, pending{op, st, len(schemas)})
					schemas = append(schemas, js["schema"])
				}
			}
			c.ops = append(c.ops, op)
		}
	}
	root["x-contract"] = schemas
	comp := jsonschema.NewCompiler()
	comp.DefaultDraft(jsonschema.Draft2020)
	const url = "mem://cybernorms/openapi.json"
	if err := comp.AddResource(url, root); err != nil {
		return err
	}
	for _, t := range todo {
		sch, err := comp.Compile(fmt.Sprintf("%s#/x-contract/%d", url, t.index))
		if err != nil {
			return fmt.Errorf("%s %s %d: %w", t.op.Method, t.op.Path, t.status, err)
		}
		t.op.JSON[t.status] = sch
	}
	sort.Slice(c.ops, func(i, j int) bool { return c.ops[i].literal > c.ops[j].literal })
	return nil
}

// Operation returns the documented operation that serves method and path
// (without the query), or nil.
func (c *Contract) Operation(method, path string) (*contractOp, error) {
	if err := c.load(); err != nil {
		return nil, err
	}
	for _, op := range c.ops {
		if op.Method == method && op.re.MatchString(path) {
			return op, nil
		}
	}
	return nil, nil
}

// Check validates an answer against the document: its status must be
// declared by the operation and a JSON body must match the schema declared
// for that status. The body is read and put back. It returns the problems.
func (c *Contract) Check(method, path string, resp *http.Response) []string {
	if method == http.MethodHead || !strings.HasPrefix(path, "/api/") {
		return nil
	}
	op, err := c.Operation(method, path)
	if err != nil {
		return []string{"contract: the OpenAPI document does not compile: " + err.Error()}
	}
	if op == nil {
		return nil // not a documented route (404, 405)
	}
	var problems []string
	where := fmt.Sprintf("%s %s (operation %s %s)", method, path, op.Method, op.Path)
	if !op.Declared[resp.StatusCode] {
		problems = append(problems, fmt.Sprintf("contract: %s answered %d, a status its OpenAPI operation does not declare (api.Op.Status or api.Op.Errors)", where, resp.StatusCode))
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if ct != "application/json" {
		return problems
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return append(problems, "contract: "+where+": reading the body: "+err.Error())
	}
	sch := op.JSON[resp.StatusCode]
	if sch == nil {
		return problems
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return append(problems, fmt.Sprintf("contract: %s answered %d with a body that is not JSON: %v", where, resp.StatusCode, err))
	}
	if err := sch.Validate(inst); err != nil {
		msg := err.Error()
		if len(msg) > 2000 {
			msg = msg[:2000] + "…"
		}
		problems = append(problems, fmt.Sprintf("contract: %s answered %d with a body that does not match its declared schema:\n%s\nbody: %.500s", where, resp.StatusCode, msg, body))
	}
	return problems
}

func (c *Client) checkContract(t testing.TB, req *http.Request, resp *http.Response) {
	t.Helper()
	if c.contract == nil {
		return
	}
	for _, p := range c.contract.Check(req.Method, req.URL.Path, resp) {
		t.Errorf("%s", p)
	}
}
