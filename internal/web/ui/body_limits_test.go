package ui

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

// TestUploadRouteRemovesItsTemporaryFiles: a route that takes a file
// (withUpload) sees the whole form, and the part that spilled to disk is
// gone once the request ends.
func TestUploadRouteRemovesItsTemporaryFiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("name", "list")
	f, _ := mw.CreateFormFile("csv", "list.csv")
	_, _ = f.Write(bytes.Repeat([]byte("username\n"), 3*uploadMemory/9))
	_ = mw.Close()

	o := routeOpts{bodyLimit: DefaultBodyLimit}
	withUpload(8 << 20)(&o)
	var spilled, size int
	h := (&Handler{}).bodyLimits(o, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		file, hdr, err := r.FormFile("csv")
		if err != nil || r.FormValue("name") != "list" {
			t.Errorf("form not parsed: %v, name %q", err, r.FormValue("name"))
			return
		}
		defer file.Close()
		b, _ := io.ReadAll(file)
		size = len(b)
		_ = hdr
		left, _ := os.ReadDir(tmp)
		spilled = len(left)
	}))
	req := httptest.NewRequest(http.MethodPost, "/suppressions/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	h.ServeHTTP(httptest.NewRecorder(), req)
	if size < 2*uploadMemory || spilled == 0 {
		t.Fatalf("the test's file did not spill to disk (size %d, files %d)", size, spilled)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Fatalf("%d temporary files left after the request, e.g. %s", len(left), left[0].Name())
	}
}

// TestUploadRouteTooLargeSaysItsLimit: a form with files refused for its
// size says the route's own limit, not the few hundred KB of other forms.
func TestUploadRouteTooLargeSaysItsLimit(t *testing.T) {
	o := routeOpts{bodyLimit: DefaultBodyLimit}
	if e := tooLargeFor(o); e != errBodyTooLarge {
		t.Errorf("a form without files is refused as %q", e.Message)
	}
	withUpload(210 << 20)(&o)
	if e := tooLargeFor(o); e.Message != "The form with its files is larger than 210 MB, the most this page takes" || e.Code != errBodyTooLarge.Code {
		t.Errorf("a form with files is refused as %q (%s)", e.Message, e.Code)
	}
}
