// Package upload takes files posted in forms and serves them back: the
// body bounded, the form's text fields checked at the edge like every
// other form, the file checked by its content (never by its name or the
// type the browser claims), and the download sent as an attachment that
// no browser renders in the site's origin. Modules keep the bytes in their
// own tables, under their own access rules.
package upload

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// MaxPDF is the default bound of an uploaded PDF: 10 MiB.
const MaxPDF = 10 << 20

// File is one uploaded file, read into memory.
type File struct {
	Name string // the base name the browser sent, cleaned; "" if unusable
	Data []byte
}

// Read parses a multipart form of at most limit bytes (plus the form's
// other fields), checks its text fields (web.CheckForm) and returns the
// file posted as field; a File with no Data when none was chosen. Errors
// are *api.Error naming field: 413 when the body is too large, 422 when it
// is not a multipart form or the upload cannot be read.
func Read(w http.ResponseWriter, r *http.Request, field string, limit int64) (File, error) {
	r.Body = http.MaxBytesReader(w, r.Body, limit+64<<10)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return File{}, &api.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Field: field, Message: "is larger than " + strconv.FormatInt(limit, 10) + " bytes"}
		}
		return File{}, api.Invalid(field, "send the file as a multipart form")
	}
	if r.MultipartForm == nil {
		r.MultipartForm = &multipart.Form{}
	}
	if e := web.CheckForm(r); e != nil {
		return File{}, e
	}
	f, h, err := r.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) {
		return File{}, nil
	}
	if err != nil {
		return File{}, api.Invalid(field, "the upload could not be read")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return File{}, api.Invalid(field, "the upload could not be read")
	}
	if int64(len(data)) > limit {
		return File{}, &api.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Field: field, Message: "is larger than " + strconv.FormatInt(limit, 10) + " bytes"}
	}
	return File{Name: CleanName(h.Filename), Data: data}, nil
}

// CleanName keeps the base name of an uploaded file if it is plain text of
// at most 200 characters; otherwise "".
func CleanName(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == "/" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > 200 {
		return ""
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || r == '"' {
			return ""
		}
	}
	return name
}

// CheckPDF refuses, naming field, an empty file, one over limit bytes, or
// one that is not a PDF by its content (the %PDF- signature).
func CheckPDF(field string, data []byte, limit int64) error {
	switch {
	case len(data) == 0:
		return api.Invalid(field, "choose a PDF file to upload")
	case int64(len(data)) > limit:
		return &api.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Field: field, Message: fmt.Sprintf("is larger than %d bytes", limit)}
	case !bytes.HasPrefix(data, []byte("%PDF-")):
		return api.Invalid(field, "is not a PDF document (it must begin with %PDF-)")
	}
	return nil
}

// Serve sends data as a download named name: never rendered in the site's
// origin (attachment, nosniff, a sandboxing CSP).
func Serve(w http.ResponseWriter, name, contentType string, data []byte) {
	if name = CleanName(name); name == "" {
		name = "download"
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}
