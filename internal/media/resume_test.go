package media

import (
	"bytes"
	"context"
	"crypto/md5" // #nosec G501 -- Telegram's InputFile checksum is MD5
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/telegramate/telegramate/internal/store"
)

// partsTelegram keeps the parts of each file id as Telegram does, fails
// one part as a dropped connection would, and refuses a file missing a
// part or whose checksum is wrong.
type partsTelegram struct {
	want   []byte // the file's bytes
	files  map[int64]map[int][]byte
	failAt int // the part whose first try fails; -1 for none
	// failSend fails the first sendMedia as a dropped connection would.
	failSend bool
	calls    []string
	bytes    int64
}

func (f *partsTelegram) part(id int64, part int, data []byte) error {
	if part == f.failAt {
		f.failAt = -1
		return errors.New("connection lost")
	}
	if f.files[id] == nil {
		f.files[id] = map[int][]byte{}
	}
	f.files[id][part] = bytes.Clone(data)
	f.bytes += int64(len(data))
	f.calls = append(f.calls, fmt.Sprintf("%d/%d", id, part))
	return nil
}

func (f *partsTelegram) Invoke(_ context.Context, input bin.Encoder, output bin.Decoder) error {
	switch req := input.(type) {
	case *tg.UploadSaveFilePartRequest:
		if err := f.part(req.FileID, req.FilePart, req.Bytes); err != nil {
			return err
		}
		output.(*tg.BoolBox).Bool = &tg.BoolTrue{}
	case *tg.UploadSaveBigFilePartRequest:
		if err := f.part(req.FileID, req.FilePart, req.Bytes); err != nil {
			return err
		}
		output.(*tg.BoolBox).Bool = &tg.BoolTrue{}
	case *tg.MessagesSendMediaRequest:
		if f.failSend {
			f.failSend = false
			return errors.New("connection lost")
		}
		var in tg.InputFileClass
		switch m := req.Media.(type) {
		case *tg.InputMediaUploadedDocument:
			in = m.File
		case *tg.InputMediaUploadedPhoto:
			in = m.File
		default:
			return fmt.Errorf("unexpected %T", req.Media)
		}
		var id int64
		var n int
		switch in := in.(type) {
		case *tg.InputFile:
			id, n = in.ID, in.Parts
		case *tg.InputFileBig:
			id, n = in.ID, in.Parts
		}
		var got []byte
		parts := f.files[id]
		for i := range n {
			p, ok := parts[i]
			if !ok {
				return tgerr.New(400, fmt.Sprintf("FILE_PART_%d_MISSING", i))
			}
			got = append(got, p...)
		}
		if small, ok := in.(*tg.InputFile); ok {
			sum := md5.Sum(got) // #nosec G401
			if small.MD5Checksum != hex.EncodeToString(sum[:]) {
				return tgerr.New(400, "MD5_CHECKSUM_INVALID")
			}
		}
		if !bytes.Equal(got, f.want) {
			return errors.New("the file arrived changed")
		}
		delete(f.files, id)
		f.calls = append(f.calls, "send")
		output.(*tg.UpdatesBox).Updates = &tg.Updates{Updates: []tg.UpdateClass{
			&tg.UpdateMessageID{ID: 1, RandomID: req.RandomID},
			&tg.UpdateNewMessage{Message: &tg.Message{ID: 1, Message: req.Message,
				Media: &tg.MessageMediaDocument{Document: &tg.Document{ID: 500, AccessHash: 600, FileReference: []byte("ref")}}}},
		}}
	default:
		return fmt.Errorf("unexpected %T", input)
	}
	return nil
}

// TestSendResumesAnUpload cuts an upload off at a part, as a dropped
// connection or a crash would, and sends again: the upload goes on from
// the parts last recorded under the same file id (a small file's MD5
// still covering the whole file); and when Telegram has forgotten the
// parts sent before, the resumed file is refused and the upload starts
// over once under a new id.
func TestSendResumesAnUpload(t *testing.T) {
	for _, tc := range []struct {
		name   string
		size   int64
		failAt int
		forget bool
	}{
		{"small file", 3<<20 + 100, 5, false},
		{"big file", 12<<20 + 777, 9, false},
		{"big file Telegram forgot", 12<<20 + 777, 9, true},
		// Every part in, the send cut off: the next sends them as they are.
		{"small file, send cut off", 3<<20 + 100, -1, false},
		{"big file, send cut off", 12<<20 + 777, -1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, _ := io.ReadAll(io.LimitReader(rand.NewChaCha8([32]byte{7}), tc.size))
			st := &streamStore{file: store.MediaFile{ID: 3, UserID: 1, Size: tc.size, MIMEType: "application/pdf", Type: store.MediaDocument, FileName: "a.pdf"},
				uploads: map[int64]store.MediaUpload{}}
			s, err := New(Options{Store: st, Now: func() time.Time { return time.Unix(1e9, 0) }})
			if err != nil {
				t.Fatal(err)
			}
			fake := &partsTelegram{want: want, files: map[int64]map[int][]byte{}, failAt: tc.failAt, failSend: tc.failAt < 0}
			api := tg.NewClient(fake)
			req := SendRequest{WorkspaceID: 1, AccountID: 9, FileID: 3, Peer: &tg.InputPeerUser{UserID: 5, AccessHash: 6}, Caption: "Hi", RandomID: 11}
			if _, _, err := s.Send(context.Background(), api, req); err == nil {
				t.Fatal("the cut-off upload sent")
			}
			parts := int((tc.size + PartSize - 1) / PartSize)
			recorded := tc.failAt / progressEvery * progressEvery
			if tc.failAt < 0 {
				recorded = parts
			}
			p, err := st.MediaUploadProgress(context.Background(), 9, 3)
			if err != nil || p.Parts != recorded || p.Big != (tc.size > BigFileAfter) {
				t.Fatalf("progress after the cut %+v %v, want %d parts", p, err, recorded)
			}
			firstID := p.UploadID
			if tc.forget {
				clear(fake.files)
			}
			fake.calls = nil
			_, stats, err := s.Send(context.Background(), api, req)
			if err != nil {
				t.Fatal(err)
			}
			var wantCalls []string
			for i := recorded; i < parts; i++ {
				wantCalls = append(wantCalls, fmt.Sprintf("%d/%d", firstID, i))
			}
			wantBytes := max(0, tc.size-int64(recorded)*PartSize)
			if tc.forget {
				// Refused: once more from part 0 under a new id.
				if len(fake.calls) <= len(wantCalls) {
					t.Fatalf("calls %v", fake.calls)
				}
				newID, _, _ := bytes.Cut([]byte(fake.calls[len(wantCalls)]), []byte("/"))
				if string(newID) == fmt.Sprint(firstID) {
					t.Errorf("the upload started over under its old id %s", newID)
				}
				for i := range parts {
					wantCalls = append(wantCalls, fmt.Sprintf("%s/%d", newID, i))
				}
				wantBytes += tc.size
			}
			wantCalls = append(wantCalls, "send")
			if !slices.Equal(fake.calls, wantCalls) {
				t.Errorf("after the cut:\n%v\nwant\n%v", fake.calls, wantCalls)
			}
			if stats.Uploaded != wantBytes {
				t.Errorf("uploaded %d bytes, want %d", stats.Uploaded, wantBytes)
			}
			if _, err := st.MediaUploadProgress(context.Background(), 9, 3); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("progress outlives the remembered upload: %v", err)
			}
		})
	}
}
