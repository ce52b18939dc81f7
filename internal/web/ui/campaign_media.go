package ui

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/media"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/web/auth"
)

// attachmentView is a stored file as the campaign pages show it.
type attachmentView struct {
	ID     int64
	Name   string
	Type   string // store.MediaPhoto, …
	Label  string // "photo", "voice note", …
	Size   string // "1.2 MB"
	URL    string // served by mediaFile
	Inline bool   // a photo or video a page may show
}

// Photo reports a file a page shows as a picture.
func (a *attachmentView) Photo() bool { return a.Type == store.MediaPhoto }

// Icon is the Bootstrap icon of the file's type.
func (a *attachmentView) Icon() string {
	switch a.Type {
	case store.MediaPhoto:
		return "bi-image"
	case store.MediaVideo:
		return "bi-camera-video"
	case store.MediaVoice:
		return "bi-mic"
	}
	return "bi-file-earmark"
}

func attachmentOf(f store.MediaFile) *attachmentView {
	return &attachmentView{ID: f.ID, Name: f.FileName, Type: f.Type, Label: media.TypeLabel(f.Type), Size: media.HumanBytes(f.Size),
		URL: "/media/" + strconv.FormatInt(f.ID, 10), Inline: media.Inline(f.Type)}
}

// attachmentSlot is one step's attachment field in the editor.
type attachmentSlot struct {
	N      int    // the step: 1 for the first message
	Input  string // the file input's name and id
	Hidden string // the field carrying a stored file's id
	Att    *attachmentView
	Err    *apperr.Error
	Max    string // the size limit in words
}

// attachmentFields are a step's form fields: the file input, the hidden
// id of a file stored already, and where Create puts its errors.
func attachmentFields(n int) (input, hidden, field string) {
	if n == 1 {
		return "attachment", "media_id", "media_id"
	}
	return fmt.Sprintf("step%d_attachment", n), fmt.Sprintf("step%d_media_id", n), fmt.Sprintf("steps[%d].media_id", n-2)
}

// Attachment is step n's attachment field, with err shown beside it.
func (d *editorData) Attachment(n int, err *apperr.Error) attachmentSlot {
	in, hidden, _ := attachmentFields(n)
	return attachmentSlot{N: n, Input: in, Hidden: hidden, Att: d.Attached[n], Err: err, Max: d.MaxFileSize}
}

// campaignFormLimit bounds the editor's form: the recipients file and an
// attachment of the largest size for every step, parsed to temporary
// files by the middleware. One file a little over the limit still
// arrives, so it is refused beside its field with the form kept.
func (h *Handler) campaignFormLimit() int64 {
	if h.Media == nil {
		return campaignUploadLimit
	}
	return campaignUploadLimit + store.MaxSteps*(h.Media.MaxFileSize()+64<<10)
}

// storeAttachments stores the files chosen in the editor, each step's id
// put in its hidden field, so a form sent back with an error keeps them
// without choosing them again. The first refusal is returned on its
// step's field; the files stored before it stay, as they would through
// POST /api/v1/media.
func (h *Handler) storeAttachments(r *http.Request, f url.Values) error {
	if h.Media == nil || r.MultipartForm == nil {
		return nil
	}
	for n := 1; n <= store.MaxSteps; n++ {
		input, hidden, field := attachmentFields(n)
		fhs := r.MultipartForm.File[input]
		if len(fhs) == 0 || fhs[0].Size == 0 && fhs[0].Filename == "" {
			continue
		}
		fh := fhs[0]
		if fh.Size > h.Media.MaxFileSize() {
			return onFieldAlways(h.Media.TooLarge(), field)
		}
		file, err := fh.Open()
		if err != nil {
			return fmt.Errorf("open uploaded attachment: %w", err)
		}
		stored, err := h.Media.Put(r.Context(), workspaceID(r), fh.Filename, file)
		_ = file.Close()
		if err != nil {
			return onFieldAlways(err, field)
		}
		f.Set(hidden, strconv.FormatInt(stored.ID, 10))
	}
	return nil
}

// onFieldAlways moves an error to field, whichever field it named.
func onFieldAlways(err error, field string) error {
	if e, ok := apperr.As(err); ok {
		return e.OnField(field)
	}
	return err
}

// loadAttachments reads what the form's hidden ids name, for the editor
// to show; an id that names none of the workspace's files is an error on
// its step's field (and is dropped from the form).
func (h *Handler) loadAttachments(ctx context.Context, uid int64, d *editorData) error {
	d.Attached = map[int]*attachmentView{}
	if h.Media == nil {
		return nil
	}
	d.MaxFileSize = media.HumanBytes(h.Media.MaxFileSize())
	var first error
	for n := 1; n <= store.MaxSteps; n++ {
		_, hidden, field := attachmentFields(n)
		v := strings.TrimSpace(d.Form.Get(hidden))
		if v == "" {
			continue
		}
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			d.Form.Del(hidden)
			if first == nil {
				first = apperr.Validation(field, "The attachment is not one of yours; choose the file again")
			}
			continue
		}
		f, err := h.Media.File(ctx, uid, id, field)
		if err != nil {
			d.Form.Del(hidden)
			if first == nil {
				first = err
			}
			continue
		}
		d.Attached[n] = attachmentOf(f)
	}
	return first
}

// mediaID is a step's attachment as the form carries it (0 for none).
func mediaID(f url.Values, n int) (int64, error) {
	_, hidden, field := attachmentFields(n)
	v := strings.TrimSpace(f.Get(hidden))
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.Validation(field, "The attachment is not one of yours; choose the file again")
	}
	return id, nil
}

// GET /media/{id} — a workspace's stored file, for the campaign pages'
// thumbnails and links. Only a file whose bytes are a photo or a video
// is served as itself, inline; any other is a download of bytes the
// browser must not interpret, whatever its name says.
func (h *Handler) mediaFile(w http.ResponseWriter, r *http.Request) {
	p := &Page{Title: "Attachment"}
	id, err := pathID(r, "Attachment")
	if err != nil {
		h.renderError(w, r, "error", p, err)
		return
	}
	f, rd, err := h.Media.Open(r.Context(), workspaceID(r), id)
	if err != nil {
		h.renderError(w, r, "error", p, err)
		return
	}
	ctype, disp := "application/octet-stream", "attachment"
	if media.Inline(f.Type) {
		ctype, disp = f.MIMEType, "inline"
	}
	hd := w.Header()
	hd.Set("Content-Type", ctype)
	if cd := mime.FormatMediaType(disp, map[string]string{"filename": f.FileName}); cd != "" {
		disp = cd
	}
	hd.Set("Content-Disposition", disp)
	hd.Set("Content-Length", strconv.FormatInt(f.Size, 10))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	// Checked again each time (an id may name another workspace's file
	// after a switch, or another file once this one is deleted), and not
	// sent again while its bytes are the same.
	etag := `"` + hex.EncodeToString(f.SHA256) + `"`
	hd.Set("Cache-Control", "private, no-cache")
	hd.Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if r.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(w, rd); err != nil && !errors.Is(err, context.Canceled) {
		auth.NoteError(r.Context(), fmt.Errorf("serve media file %d: %w", id, err))
	}
}
