package positions_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// A position document's PDF: checked by content, the State's own while a
// draft, public once published, frozen after.
func TestPositionDocumentPDF(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		c := rig.Anonymous(t)
		ed := bearer(rig.Token(t, rig.User(t, auth.RoleStateEditor, "FRA")))
		ap := bearer(rig.Token(t, rig.User(t, auth.RoleStateApprover, "FRA")))
		r := c.Do(t, "POST", "/api/v1/positions/documents", draftJSON, ed)
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("draft: %d %s", r.StatusCode, testrig.Body(r))
		}
		var doc struct {
			ID string `json:"id"`
		}
		decode(t, r, &doc)
		fraEd := rig.SignIn(t, rig.User(t, auth.RoleStateEditor, "FRA"))
		deuEd := rig.SignIn(t, rig.User(t, auth.RoleStateEditor, "DEU"))
		send := func(cl *testrig.Client, content string) *http.Response {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			fw, _ := mw.CreateFormFile("file", "position-fr.pdf")
			_, _ = fw.Write([]byte(content))
			_ = mw.Close()
			return cl.Do(t, "POST", "/positions/documents/"+doc.ID+"/file", buf.String(), map[string]string{"Content-Type": mw.FormDataContentType()})
		}
		if resp := send(fraEd, "MZ not a pdf"); resp.StatusCode != 422 {
			t.Errorf("a non-PDF: %d", resp.StatusCode)
		}
		if resp := send(deuEd, "%PDF-1.7 German"); resp.StatusCode != 404 {
			t.Errorf("another State attaches to France's draft: %d", resp.StatusCode)
		}
		if n := count(t, rig, "positions_document_files"); n != 0 {
			t.Fatalf("refused uploads stored %d files", n)
		}
		if resp := send(fraEd, "%PDF-1.7 la position"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("France attaches: %d", resp.StatusCode)
		}
		if resp := c.Get(t, "/positions/documents/"+doc.ID+"/file"); resp.StatusCode != 404 {
			t.Errorf("the public reads a draft's PDF: %d", resp.StatusCode)
		}
		if r := c.Do(t, "POST", "/api/v1/positions/documents/"+doc.ID+"/publish", nil, ap); r.StatusCode != http.StatusOK {
			t.Fatalf("publish: %d %s", r.StatusCode, testrig.Body(r))
		}
		r = c.Do(t, "GET", "/api/v1/positions/documents/"+doc.ID, nil, nil)
		var got struct {
			File *struct {
				URL  string `json:"url"`
				Size int    `json:"size"`
			} `json:"file"`
		}
		decode(t, r, &got)
		if got.File == nil || got.File.Size != len("%PDF-1.7 la position") {
			t.Fatalf("the document's JSON has no file: %+v", got)
		}
		resp := c.Get(t, got.File.URL)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(b) != "%PDF-1.7 la position" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("download: %d %q %v", resp.StatusCode, b, resp.Header)
		}
		if resp := send(fraEd, "%PDF-1.7 changed"); resp.StatusCode != 409 {
			t.Errorf("changing a published position's PDF: %d", resp.StatusCode)
		}
	})
}
