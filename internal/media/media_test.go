package media

import (
	"bytes"
	"testing"

	"github.com/telegramate/telegramate/internal/store"
)

// TestSniff: the bytes decide; a name only refines a generic type and
// never makes a file something Telegram renders inline.
func TestSniff(t *testing.T) {
	jpegHead := []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00")
	pngHead := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	mp4Head := []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
	ogg := append([]byte("OggS\x00\x02"), make([]byte, 22)...)
	ogg = append(ogg, "\x13OpusHead\x01\x01"...)
	vorbis := append([]byte("OggS\x00\x02"), make([]byte, 22)...)
	vorbis = append(vorbis, "\x1e\x01vorbis"...)
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), bytes.Repeat([]byte{0}, 64)...)
	zip := []byte("PK\x03\x04\x14\x00\x06\x00")
	for _, c := range []struct {
		name     string
		head     []byte
		mime     string
		typ      string
		fileName string
	}{
		{"jpeg", jpegHead, "image/jpeg", store.MediaPhoto, "a.bin"},
		{"png", pngHead, "image/png", store.MediaPhoto, "scan"},
		{"mp4", mp4Head, "video/mp4", store.MediaVideo, "clip.mov"},
		{"ogg opus", ogg, "audio/ogg", store.MediaVoice, "note.ogg"},
		{"ogg vorbis is no voice note", vorbis, "application/ogg", store.MediaDocument, "song.ogg"},
		{"exe named .jpg", exe, "application/octet-stream", store.MediaDocument, "holiday.jpg"},
		{"exe named .mp4", exe, "application/octet-stream", store.MediaDocument, "clip.mp4"},
		{"docx", zip, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", store.MediaDocument, "Report.DOCX"},
		{"pdf", []byte("%PDF-1.7\n"), "application/pdf", store.MediaDocument, "x.jpg"},
		{"text", []byte("hello there"), "text/plain", store.MediaDocument, "notes"},
	} {
		mime, typ := Sniff(c.head, c.fileName)
		if mime != c.mime || typ != c.typ {
			t.Errorf("%s: %s %s, want %s %s", c.name, mime, typ, c.mime, c.typ)
		}
	}
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"photo.jpg":              "photo.jpg",
		`C:\Users\ann\photo.jpg`: "photo.jpg",
		"../../etc/passwd":       "passwd",
		"a\x00b\nc.txt":          "abc.txt",
		"":                       "file",
		"..":                     "file",
		string(make([]byte, 0)):  "file",
		"  spaced name.pdf  ":    "spaced name.pdf",
		"\xff\xfeinvalid.txt":    "invalid.txt",
	} {
		if got := cleanName(in); got != want {
			t.Errorf("cleanName(%q) = %q, want %q", in, got, want)
		}
	}
	long := string(bytes.Repeat([]byte("x"), 300)) + ".pdf"
	if got := cleanName(long); len([]rune(got)) != maxNameRunes || got[len(got)-4:] != ".pdf" {
		t.Errorf("a long name became %q (%d)", got, len([]rune(got)))
	}
}
