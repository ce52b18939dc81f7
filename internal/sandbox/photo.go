package sandbox

import (
	"bytes"
	"image"
	_ "image/gif" // photos may be sent as GIF, PNG or JPEG
	"image/jpeg"
	_ "image/png"

	"golang.org/x/image/draw"
)

var (
	// errImageProcess is Telegram's answer to bytes it cannot read as a
	// picture, sent as a photo.
	errImageProcess = rpcErr(400, "IMAGE_PROCESS_FAILED")
	// errPhotoDimensions: Telegram refuses photos whose width and height
	// add up to more than 10,000 pixels or whose sides differ more than
	// 20 times.
	errPhotoDimensions = rpcErr(400, "PHOTO_INVALID_DIMENSIONS")
	// errPhotoTooBig: photos are at most 10 MB; bigger pictures go as
	// documents.
	errPhotoTooBig = rpcErr(400, "PHOTO_SAVE_FILE_INVALID")
)

const maxPhotoSize = 10 << 20

// photoSize is one size Telegram keeps of a photo, by its letter: "m" is
// the thumbnail (at most 320 pixels a side), "x" 800, "y" 1280, "w" 2560;
// each is a JPEG of its own.
type photoSize struct {
	Type   string `json:"type"`
	W      int    `json:"w"`
	H      int    `json:"h"`
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
	data   []byte
}

var photoBoxes = []struct {
	typ  string
	side int
}{{"m", 320}, {"x", 800}, {"y", 1280}, {"w", 2560}}

// makePhotoSizes re-encodes an uploaded picture the way Telegram does: a
// thumbnail "m" and the full size "x" always, then "y" and "w" while the
// original is bigger than the size before.
func makePhotoSizes(data []byte) ([]photoSize, error) {
	if len(data) > maxPhotoSize {
		return nil, errPhotoTooBig
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, errImageProcess
	}
	w, h := cfg.Width, cfg.Height
	if w < 1 || h < 1 || w+h > 10000 || w > 20*h || h > 20*w {
		return nil, errPhotoDimensions
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, errImageProcess
	}
	var out []photoSize
	for i, b := range photoBoxes {
		if i >= 2 && max(w, h) <= photoBoxes[i-1].side {
			break
		}
		sw, sh := fit(w, h, b.side)
		dst := image.NewRGBA(image.Rect(0, 0, sw, sh))
		draw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 87}); err != nil {
			return nil, errImageProcess
		}
		out = append(out, photoSize{Type: b.typ, W: sw, H: sh, Size: buf.Len(), data: buf.Bytes()})
	}
	return out, nil
}

// fit scales w×h down to fit a side×side box, keeping its shape; it never
// scales up.
func fit(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	if w >= h {
		return side, max(1, h*side/w)
	}
	return max(1, w*side/h), side
}
