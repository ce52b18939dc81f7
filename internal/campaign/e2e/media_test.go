package e2e_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/media"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
	"github.com/telegramate/telegramate/internal/web/api"
)

// mediaUser signs a user up straight in the app's store and gives the API
// as them.
func mediaUser(t *testing.T, a *apptest.App, email string) apptest.APIClient {
	t.Helper()
	st, err := storeopen.Open(context.Background(), storeopen.Options{DataDir: a.Config.DataDir, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateUser(context.Background(), store.NewUser{Email: email, PasswordHash: "x", Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return a.APIAs(t, email)
}

// upload posts a file as POST /media's multipart form.
func upload(t *testing.T, c apptest.APIClient, name string, data []byte) apptest.Response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(data)
	w.Close()
	req, err := http.NewRequest("POST", c.Base+"/api/v1/media", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return apptest.Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// testJPEG is a real JPEG photo (the sandbox makes its sizes from it).
func testJPEG(t *testing.T, seed uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := range 240 {
		for x := range 320 {
			img.Set(x, y, color.RGBA{uint8(x) + seed, uint8(y), seed, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fakeExe starts as a Windows executable does.
func fakeExe() []byte {
	b := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), bytes.Repeat([]byte{0x00, 0x45, 0x10}, 3000)...)
	return append(b, "This program cannot be run in DOS mode."...)
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TestMediaUpload stores files through POST /media: the type is decided
// from the bytes (an .exe named .jpg is a document), the same bytes are
// one file, and a file over the size limit or past the quota is refused
// with nothing stored.
func TestMediaUpload(t *testing.T) {
	a := startApp(t, apptest.AppArgs("--media-max-file-size", "200000", "--media-quota", "500000"))
	c := mediaUser(t, a, "media-upload@example.com")

	photo := testJPEG(t, 1)
	var m api.Media
	upload(t, c, "meetup.jpg", photo).Into(t, 201, &m)
	if m.Type != "photo" || m.MIMEType != "image/jpeg" || m.Size != int64(len(photo)) || m.SHA256 != sha(photo) || m.FileName != "meetup.jpg" || m.ID == 0 {
		t.Errorf("photo stored as %+v", m)
	}
	var again api.Media
	upload(t, c, "other-name.jpg", photo).Into(t, 201, &again)
	if again.ID != m.ID {
		t.Errorf("the same bytes again are file %d, want %d", again.ID, m.ID)
	}

	exe := fakeExe()
	var doc api.Media
	upload(t, c, "holiday.jpg", exe).Into(t, 201, &doc)
	if doc.Type != "document" || doc.MIMEType == "image/jpeg" {
		t.Errorf("an executable named .jpg stored as %+v, want a document that is no image", doc)
	}

	big := bytes.Repeat([]byte("0123456789abcdef"), 200000/16+1)
	e := upload(t, c, "big.txt", big).APIError(t, 413, media.CodeTooLarge)
	if e.Message == "" || e.Hint == "" {
		t.Errorf("refusal %+v", e)
	}
	// Up to the quota (500,000 bytes), then refused.
	for i := range 3 {
		r := upload(t, c, "part.bin", bytes.Repeat([]byte{byte(i + 1)}, 190000))
		if i < 2 {
			r.Into(t, 201, nil)
			continue
		}
		r.APIError(t, 422, "quota_exceeded")
	}

	st, err := storeopen.Open(context.Background(), storeopen.Options{DataDir: a.Config.DataDir, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var files, chunks int
	var bytesStored int64
	if err := st.DB().QueryRow("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM media_files").Scan(&files, &bytesStored); err != nil {
		t.Fatal(err)
	}
	if err := st.DB().QueryRow("SELECT COUNT(*) FROM media_chunks").Scan(&chunks); err != nil {
		t.Fatal(err)
	}
	if want := int64(len(photo) + len(exe) + 2*190000); files != 4 || bytesStored != want || chunks != 4 {
		t.Errorf("%d files of %d bytes in %d chunks stored, want the 4 taken (%d bytes, one chunk each): refusals must leave nothing", files, bytesStored, chunks, want)
	}

	// Not multipart, or no file field.
	c.Call("POST", "/media", map[string]string{"file": "x"}).APIError(t, 415, "unsupported_media_type")
}
