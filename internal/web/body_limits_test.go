package web_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestLargeMultipartLoginLeavesNothingBehind: a stranger posting a big
// file part to /login (no form of ours sends files there) is refused, and
// nothing is left in the temporary directory. Before the fix the form was
// parsed on a copy of the request and 40 MB stayed in $TMPDIR/multipart-*
// after every such request.
func TestLargeMultipartLoginLeavesNothingBehind(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	e := newEnv(t, storetest.SQLite(t))

	for _, path := range []string{"/login", "/signup", "/accounts/connect", "/nowhere"} {
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			_ = mw.WriteField("email", "x@example.com")
			_ = mw.WriteField("password", "xxxxxxxxxxxx")
			f, err := mw.CreateFormFile("f", "big.bin")
			if err != nil {
				pw.CloseWithError(err)
				return
			}
			chunk := bytes.Repeat([]byte{'a'}, 1<<20)
			for range 40 {
				if _, err := f.Write(chunk); err != nil {
					pw.CloseWithError(err)
					return
				}
			}
			pw.CloseWithError(mw.Close())
		}()
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, pr)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnsupportedMediaType {
				t.Errorf("POST %s multipart: status %d, want 415\n%s", path, resp.StatusCode, body)
			} else if !strings.Contains(string(body), "This form does not take files") {
				t.Errorf("POST %s multipart: no clear message\n%s", path, body)
			}
		}
		// Otherwise the server closed the connection while the client was
		// still sending, which is as good.
		_ = pr.Close()
		left, _ := os.ReadDir(tmp)
		if len(left) > 0 {
			t.Fatalf("POST %s multipart left %d files in TMPDIR, e.g. %s", path, len(left), left[0].Name())
		}
	}
}

// TestUIBodyLimit: a form body past the UI's limit is refused with 413 and
// a message, before any handler reads it.
func TestUIBodyLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		c := e.client()
		huge := strings.Repeat("x", 300<<10)
		c.post("/login", url.Values{"email": {"a@example.com"}, "password": {huge}}).
			wantStatus(t, http.StatusRequestEntityTooLarge).wantBody(t, "The request is too large")
		// Without a Content-Length (chunked), the same.
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/login", io.MultiReader(strings.NewReader("email=a%40example.com&password="), strings.NewReader(huge)))
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		r := c.do(req)
		if r.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("chunked oversized form: %d, want 413\n%s", r.StatusCode, r.body)
		}
		// A normal form still works.
		c.logIn("a@example.com", "wrong password").wantStatus(t, http.StatusUnauthorized)
	})
}
