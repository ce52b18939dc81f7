package api

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"reflect"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/web/auth"
)

// Media is a stored attachment as the API shows it.
type Media struct {
	ID       int64  `json:"id"`
	SHA256   string `json:"sha256" doc:"Hex of the file's SHA-256: the same bytes uploaded twice are one file"`
	Size     int64  `json:"size" doc:"Bytes"`
	MIMEType string `json:"mime_type" doc:"Decided from the file's bytes, not its name"`
	Type     string `json:"type" enum:"photo,video,document,voice" doc:"What Telegram shows it as: photo (JPEG, PNG), video (MP4), voice (OGG/Opus), document (any other file, shown with its name)"`
	FileName string `json:"file_name"`
}

func mediaBody(f store.MediaFile) Media {
	return Media{ID: f.ID, SHA256: hexOf(f.SHA256), Size: f.Size, MIMEType: f.MIMEType, Type: f.Type, FileName: f.FileName}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// multipartSlack is what a multipart body may hold besides the file: the
// part's headers and boundaries.
const multipartSlack = 64 << 10

var (
	errNotMultipart = &apperr.Error{Code: "unsupported_media_type", Status: http.StatusUnsupportedMediaType,
		Message: "Send the file as multipart/form-data",
		Hint:    "Put it in a form field named file, e.g. curl -F file=@photo.jpg."}
	errNoFile = &apperr.Error{Code: apperr.CodeValidation, Field: "file", Status: http.StatusUnprocessableEntity,
		Message: "The form has no field named file",
		Hint:    "Put the file in a form field named file, e.g. curl -F file=@photo.jpg."}
)

// registerMedia lists the attachment endpoints. Upload is handled on
// huma's context directly: huma would read a multipart form whole (to
// memory and temporary files) before the handler; this streams the file
// part into the store as it arrives.
func (a *API) registerMedia() {
	if a.deps.Media == nil {
		return
	}
	op := operation("Media")("upload-media", http.MethodPost, "/media",
		"Store a file to attach to campaign messages and inbox answers (form field file): its type is decided from its bytes (photo, video, document or voice), "+
			"and the same bytes uploaded again are the same file. Refused past the instance's size limit (50 MB by default) or the workspace's quota (1 GB by default). "+
			"A file goes with the last campaign or answer that attaches it, and one nothing attaches is deleted a day after it was last uploaded",
		http.StatusCreated)
	// No format "binary" on the file: huma writes it as 3.1's
	// contentMediaType, which the document's 3.0 form must not hold.
	op.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
		"multipart/form-data": {Schema: &huma.Schema{Type: huma.TypeObject, Required: []string{"file"},
			Properties: map[string]*huma.Schema{"file": {Type: huma.TypeString, Description: "The file, its name in the part's filename"}}}},
	}}
	op.Responses = map[string]*huma.Response{"201": {Description: "Created", Content: map[string]*huma.MediaType{
		mediaJSON: {Schema: a.huma.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[Media](), true, "Media")},
	}}}
	a.huma.OpenAPI().AddOperation(&op)
	a.huma.Adapter().Handle(&op, a.huma.Middlewares().Handler(op.Middlewares.Handler(a.uploadMedia)))
}

// POST /media
func (a *API) uploadMedia(hctx huma.Context) {
	ctx := hctx.Context()
	f, err := a.readUpload(hctx)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			err = a.deps.Media.TooLarge()
		}
		a.deny(hctx, err)
		return
	}
	body, err := json.Marshal(mediaBody(f))
	if err != nil {
		auth.NoteError(ctx, err)
		a.deny(hctx, err)
		return
	}
	hctx.SetHeader("Content-Type", mediaJSON)
	hctx.SetStatus(http.StatusCreated)
	_, _ = hctx.BodyWriter().Write(append(body, '\n'))
}

func (a *API) readUpload(hctx huma.Context) (store.MediaFile, error) {
	mt, params, err := mime.ParseMediaType(hctx.Header("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return store.MediaFile{}, errNotMultipart
	}
	if n, err := strconv.ParseInt(hctx.Header("Content-Length"), 10, 64); err == nil && n > a.deps.Media.MaxFileSize()+multipartSlack {
		return store.MediaFile{}, a.deps.Media.TooLarge()
	}
	// The body is cut off a little past the largest file, so a client
	// cannot keep the request going with parts that are not the file.
	body := http.MaxBytesReader(nil, io.NopCloser(hctx.BodyReader()), a.deps.Media.MaxFileSize()+multipartSlack)
	mr := multipart.NewReader(body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return store.MediaFile{}, errNoFile
		}
		if err != nil {
			return store.MediaFile{}, badForm(err)
		}
		if p.FormName() != "file" {
			_ = p.Close()
			continue
		}
		return a.deps.Media.Put(hctx.Context(), auth.WorkspaceID(hctx.Context()), p.FileName(), p)
	}
}

func badForm(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return err
	}
	return (&apperr.Error{Code: apperr.CodeValidation, Status: http.StatusBadRequest, Message: "The multipart form could not be read",
		Hint: "Send it as multipart/form-data with the file in a field named file."}).Wrap(err)
}
