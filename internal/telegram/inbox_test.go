package telegram

import (
	"testing"

	"github.com/gotd/td/tg"
)

// TestMediaOf names every kind of media the inbox shows as a placeholder,
// with its size when Telegram gives one; a link preview is not media.
func TestMediaOf(t *testing.T) {
	doc := func(mime string, attrs ...tg.DocumentAttributeClass) tg.MessageMediaClass {
		return &tg.MessageMediaDocument{Document: &tg.Document{MimeType: mime, Size: 4096, Attributes: attrs}}
	}
	for _, c := range []struct {
		media tg.MessageMediaClass
		kind  string
		size  int64
	}{
		{&tg.MessageMediaPhoto{Photo: &tg.Photo{Sizes: []tg.PhotoSizeClass{&tg.PhotoSize{Size: 100}, &tg.PhotoSize{Size: 900},
			&tg.PhotoSizeProgressive{Sizes: []int{50, 1200}}}}}, "photo", 1200},
		{doc("video/mp4", &tg.DocumentAttributeVideo{}), "video", 4096},
		{doc("video/mp4", &tg.DocumentAttributeVideo{RoundMessage: true}), "video_message", 4096},
		{doc("audio/ogg", &tg.DocumentAttributeAudio{Voice: true}), "voice", 4096},
		{doc("audio/mpeg", &tg.DocumentAttributeAudio{}), "audio", 4096},
		{doc("image/webp", &tg.DocumentAttributeSticker{}), "sticker", 4096},
		{doc("video/mp4", &tg.DocumentAttributeAnimated{}), "animation", 4096},
		{doc("application/pdf", &tg.DocumentAttributeFilename{FileName: "a.pdf"}), "document", 4096},
		{doc("video/webm"), "video", 4096},
		{doc("image/png", &tg.DocumentAttributeFilename{FileName: "scan.png"}, &tg.DocumentAttributeImageSize{W: 800, H: 600}), "document", 4096},
		{&tg.MessageMediaGeo{}, "location", 0},
		{&tg.MessageMediaContact{}, "contact", 0},
		{&tg.MessageMediaPoll{}, "poll", 0},
		{&tg.MessageMediaWebPage{}, "", 0},
		{&tg.MessageMediaDice{}, "media", 0},
	} {
		kind, size := mediaOf(c.media)
		if kind != c.kind || size != c.size {
			t.Errorf("%T: %q %d, want %q %d", c.media, kind, size, c.kind, c.size)
		}
	}
}

// TestPushedMessages picks the private messages of pushed updates, in
// both directions, with the person's names when the update has them, and
// leaves out groups, bots and Saved Messages.
func TestPushedMessages(t *testing.T) {
	short := pushedMessages(&tg.UpdateShortMessage{Out: true, ID: 5, UserID: 42, Message: "hi", Date: 1700000000})
	if len(short) != 1 || !short[0].Out || short[0].PeerID != 42 || short[0].Text != "hi" || short[0].Date.Unix() != 1700000000 {
		t.Errorf("short message: %+v", short)
	}
	full := pushedMessages(&tg.Updates{
		Updates: []tg.UpdateClass{
			&tg.UpdateNewMessage{Message: &tg.Message{ID: 6, PeerID: &tg.PeerUser{UserID: 42}, Message: "hello"}},
			&tg.UpdateNewMessage{Message: &tg.Message{ID: 7, PeerID: &tg.PeerChat{ChatID: 9}, Message: "in a group"}},
			&tg.UpdateNewMessage{Message: &tg.Message{ID: 8, PeerID: &tg.PeerUser{UserID: 43}, Message: "/start"}},
		},
		Users: []tg.UserClass{
			&tg.User{ID: 42, AccessHash: 77, FirstName: "Vera", Username: "vera"},
			&tg.User{ID: 43, Bot: true, FirstName: "Bot"},
		},
	})
	if len(full) != 1 || full[0].ID != 6 || full[0].AccessHash != 77 || full[0].FirstName != "Vera" || full[0].Username != "vera" {
		t.Errorf("full update: %+v", full)
	}
	if got := pushedMessages(&tg.UpdatesTooLong{}); got != nil {
		t.Errorf("updatesTooLong: %+v", got)
	}
}
