package e2e_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/media"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
	"github.com/telegramate/telegramate/internal/web/api"
)

// mediaUser signs a user up straight in the app's store and gives the API
// as them.
func mediaUser(t *testing.T, a *apptest.App, email string) apptest.APIClient {
	t.Helper()
	st, err := storeopen.Open(context.Background(), storeopen.Options{DataDir: a.Config.DataDir, DatabaseURL: a.Config.DatabaseURL.Reveal(), NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateUser(context.Background(), store.NewUser{Email: email, PasswordHash: "x", Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return a.APIAs(t, email)
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

// Each media test owns its sandbox (TestMediaUpload sends nothing through
// the package's) and its app, so they run in parallel.

// TestMediaUpload stores files through POST /media: the type is decided
// from the bytes (an .exe named .jpg is a document), the same bytes are
// one file, and a file over the size limit or past the quota is refused
// with nothing stored.
func TestMediaUpload(t *testing.T) {
	t.Parallel()
	a := startApp(t, apptest.AppArgs("--media-max-file-size", "200000", "--media-quota", "500000"))
	c := mediaUser(t, a, "media-upload@example.com")

	photo := testJPEG(t, 1)
	var m api.Media
	c.Upload("meetup.jpg", photo).Into(t, 201, &m)
	if m.Type != "photo" || m.MIMEType != "image/jpeg" || m.Size != int64(len(photo)) || m.SHA256 != sha(photo) || m.FileName != "meetup.jpg" || m.ID == 0 {
		t.Errorf("photo stored as %+v", m)
	}
	var again api.Media
	c.Upload("other-name.jpg", photo).Into(t, 201, &again)
	if again.ID != m.ID {
		t.Errorf("the same bytes again are file %d, want %d", again.ID, m.ID)
	}

	exe := fakeExe()
	var doc api.Media
	c.Upload("holiday.jpg", exe).Into(t, 201, &doc)
	if doc.Type != "document" || doc.MIMEType == "image/jpeg" {
		t.Errorf("an executable named .jpg stored as %+v, want a document that is no image", doc)
	}

	big := bytes.Repeat([]byte("0123456789abcdef"), 200000/16+1)
	e := c.Upload("big.txt", big).APIError(t, 413, media.CodeTooLarge)
	if !strings.Contains(e.Message, "larger than 195.3 KB") || e.Hint == "" {
		t.Errorf("refusal %+v", e)
	}
	// Far past the limit, the request's length alone refuses it.
	c.Upload("bigger.txt", bytes.Repeat(big, 2)).APIError(t, 413, media.CodeTooLarge)
	// Up to the quota (500,000 bytes), then refused.
	for i := range 3 {
		r := c.Upload("part.bin", bytes.Repeat([]byte{byte(i + 1)}, 190000))
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

// mediaSandbox is a fresh sandbox of the package's world with its control
// server, whose record (GET /messages, /uploads) the media tests judge by.
func mediaSandbox(t *testing.T) *sandbox.Server {
	t.Helper()
	w, err := sandbox.ParseWorld([]byte(world))
	if err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.Start(t.Context(), w, sandbox.Options{Listen: "127.0.0.1:0", Control: "127.0.0.1:0"})
	if err != nil {
		t.Fatalf("sandbox: %v", err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	return sb
}

// recorded is a message as the sandbox's GET /messages shows it.
type recorded struct {
	From     int64  `json:"from"`
	To       int64  `json:"to"`
	Text     string `json:"text"`
	RandomID string `json:"random_id"`
	Entities []struct {
		Type   string `json:"type"`
		Offset int    `json:"offset"`
		Length int    `json:"length"`
	} `json:"entities"`
	Media *struct {
		Type     string `json:"type"`
		Size     int64  `json:"size"`
		SHA256   string `json:"sha256"`
		FileName string `json:"file_name"`
		MimeType string `json:"mime_type"`
	} `json:"media"`
}

func sandboxGet(t *testing.T, sb *sandbox.Server, path string, v any) {
	t.Helper()
	resp, err := http.Get(sb.ControlURL() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// sentBy is what the sandbox recorded from a sender, by recipient.
func sentBy(t *testing.T, sb *sandbox.Server, from int64) map[int64][]recorded {
	t.Helper()
	var list []struct {
		Message recorded `json:"message"`
	}
	sandboxGet(t, sb, fmt.Sprintf("/messages?from=%d", from), &list)
	out := map[int64][]recorded{}
	for _, m := range list {
		out[m.Message.To] = append(out[m.Message.To], m.Message)
	}
	return out
}

// uploadedBytes is what each account sent with saveFilePart and
// saveBigFilePart, parts sent again included.
func uploadedBytes(t *testing.T, sb *sandbox.Server) map[int64]int64 {
	t.Helper()
	var raw map[string]int64
	sandboxGet(t, sb, "/uploads", &raw)
	out := map[int64]int64{}
	for k, v := range raw {
		var id int64
		fmt.Sscan(k, &id)
		out[id] = v
	}
	return out
}

// runCampaign creates a campaign from body, starts it and waits for it to
// complete.
func runCampaign(t *testing.T, c apptest.APIClient, body map[string]any) api.Campaign {
	t.Helper()
	var v api.Campaign
	c.Call("POST", "/campaigns", body).Into(t, 201, &v)
	c.Call("POST", fmt.Sprintf("/campaigns/%d/start", v.ID), nil).Into(t, 200, &v)
	testkit.EventuallyWith(t, 2*time.Minute, "the campaign to complete", func() (bool, string) {
		c.Call("GET", fmt.Sprintf("/campaigns/%d", v.ID), nil).Into(t, 200, &v)
		return v.Status == "completed", fmt.Sprintf("still %s: %+v", v.Status, v.Counts)
	})
	return v
}

var mediaPeople = map[int64]string{5001: "Alice", 5002: "Bruno", 5003: "Chloé", 5004: "Dmitri", 5005: "Émile", 5006: "Fatima"}

// TestCampaignPhotoFromTwoAccounts sends a photo with a personalised,
// formatted caption to six people from two accounts: each gets it once,
// the same bytes, with their caption; each account uploads the file once
// (the sandbox's byte count) and sends it again by reference after.
func TestCampaignPhotoFromTwoAccounts(t *testing.T) {
	t.Parallel()
	photoFromTwoAccounts(t)
}

// TestCampaignPhotoOnPostgres is the same on PostgreSQL, whose chunks
// and uploads are bytea.
func TestCampaignPhotoOnPostgres(t *testing.T) {
	t.Parallel()
	photoFromTwoAccounts(t, apptest.AppOnPostgres())
}

func photoFromTwoAccounts(t *testing.T, opts ...apptest.AppOption) {
	sb := mediaSandbox(t)
	a := startAppOn(t, sb, opts...)
	c := mediaUser(t, a, "photo@example.com")
	ann := c.Connect(apiID, apiHash, phoneAnn)
	bob := c.Connect(apiID2, apiHash2, phoneBob)

	photo := testJPEG(t, 7)
	var m api.Media
	c.Upload("invite.jpg", photo).Into(t, 201, &m)
	v := runCampaign(t, c, map[string]any{
		"name": "Photo", "message": "Hi {first_name}, **see you** at the meetup", "media_id": m.ID,
		"audience":           map[string]any{"usernames": []string{"alice_m", "bruno_b", "chloe_d", "dmitri_k", "emile_z", "fatima_a"}},
		"sender_account_ids": []int64{ann, bob}, "pacing": map[string]any{"min_interval_seconds": 0}, "opt_out_footer": false,
	})
	if v.Counts.Sent != 6 || v.Counts.Failed != 0 || v.MediaID != m.ID || len(v.Steps) != 1 || v.Steps[0].MediaID != m.ID {
		t.Fatalf("campaign %+v", v)
	}
	perSender := map[int64]int{}
	for _, from := range []int64{4301, 4302} {
		for to, msgs := range sentBy(t, sb, from) {
			name, ok := mediaPeople[to]
			if !ok {
				t.Errorf("%d got a message from %d", to, from)
				continue
			}
			if len(msgs) != 1 {
				t.Errorf("%s got %d messages from %d, want exactly one", name, len(msgs), from)
				continue
			}
			got := msgs[0]
			perSender[from]++
			want := "Hi " + name + ", see you at the meetup"
			if got.Media == nil || got.Media.Type != "photo" || got.Media.SHA256 != sha(photo) || got.Text != want {
				t.Errorf("%s got %q with %+v, want the photo (sha256 %s) captioned %q", name, got.Text, got.Media, sha(photo), want)
			}
			if len(got.Entities) != 1 || got.Entities[0].Type != "bold" || got.Entities[0].Offset != len([]rune("Hi "+name+", ")) || got.Entities[0].Length != 7 {
				t.Errorf("%s's caption entities %+v", name, got.Entities)
			}
		}
	}
	if perSender[4301]+perSender[4302] != 6 || perSender[4301] == 0 || perSender[4302] == 0 {
		t.Errorf("messages per sender %v, want the six shared by both", perSender)
	}
	up := uploadedBytes(t, sb)
	for _, from := range []int64{4301, 4302} {
		if up[from] != int64(len(photo)) {
			t.Errorf("account %d uploaded %d bytes for %d messages, want the photo once (%d)", from, up[from], perSender[from], len(photo))
		}
	}
	t.Logf("uploaded per account: %v for a %d-byte photo sent %v times", up, len(photo), perSender)
}

// TestCampaignMediaFileReferenceExpired makes file references expire a
// second after Telegram hands them out, with three seconds between sends:
// every reuse is refused with FILE_REFERENCE_EXPIRED, the reference is
// refreshed (the message that carried the file fetched again), and the
// message goes again with its random_id, once.
func TestCampaignMediaFileReferenceExpired(t *testing.T) {
	t.Parallel()
	sb := mediaSandbox(t)
	a := startAppOn(t, sb)
	c := mediaUser(t, a, "expired@example.com")
	bob := c.Connect(apiID2, apiHash2, phoneBob)
	photo := testJPEG(t, 9)
	var m api.Media
	c.Upload("p.jpg", photo).Into(t, 201, &m)

	// The first message goes with a reference that stays valid; the
	// switch turns on once it is in, mid-campaign.
	var created api.Campaign
	c.Call("POST", "/campaigns", map[string]any{
		"name": "Expiring", "message": "Hello {first_name}", "media_id": m.ID,
		"audience":           map[string]any{"usernames": []string{"alice_m", "bruno_b", "chloe_d"}},
		"sender_account_ids": []int64{bob}, "pacing": map[string]any{"min_interval_seconds": 3}, "opt_out_footer": false,
	}).Into(t, 201, &created)
	c.Call("POST", fmt.Sprintf("/campaigns/%d/start", created.ID), nil).Into(t, 200, nil)
	testkit.EventuallyWith(t, time.Minute, "the first message", func() (bool, string) {
		n := len(sentBy(t, sb, 4302))
		return n >= 1, fmt.Sprintf("%d sent", n)
	})
	setTTL(t, sb, "1s")
	var v api.Campaign
	testkit.EventuallyWith(t, 2*time.Minute, "the campaign to complete", func() (bool, string) {
		c.Call("GET", fmt.Sprintf("/campaigns/%d", created.ID), nil).Into(t, 200, &v)
		return v.Status == "completed", fmt.Sprintf("still %s: %+v", v.Status, v.Counts)
	})
	if v.Counts.Sent != 3 || v.Counts.Failed != 0 {
		t.Fatalf("counts %+v", v.Counts)
	}
	sent := sentBy(t, sb, 4302)
	for _, to := range []int64{5001, 5002, 5003} {
		if msgs := sent[to]; len(msgs) != 1 || msgs[0].Media == nil || msgs[0].Media.SHA256 != sha(photo) || msgs[0].Text != "Hello "+mediaPeople[to] {
			t.Errorf("%s got %+v, want the photo once", mediaPeople[to], msgs)
		}
	}
	// Each expired reference was refreshed by fetching the message that
	// carried the file again, not by uploading it again.
	var counts map[string]int
	sandboxGet(t, sb, "/counts", &counts)
	up := uploadedBytes(t, sb)[4302]
	if up != int64(len(photo)) || counts["messages.getMessages"] != 2 || counts["messages.sendMedia"] != 5 {
		t.Errorf("uploaded %d bytes of a %d-byte photo, %d messages.getMessages, %d messages.sendMedia for 3 messages; "+
			"want one upload, and each of the two later sends refused once and sent again with a refreshed reference",
			up, len(photo), counts["messages.getMessages"], counts["messages.sendMedia"])
	}
	t.Logf("uploaded %d bytes for 3 messages with references expiring; calls %v", up, counts)
}

func setTTL(t *testing.T, sb *sandbox.Server, d string) {
	t.Helper()
	resp, err := http.Post(sb.ControlURL()+"/file-references", "application/json", strings.NewReader(`{"expire_after": "`+d+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("POST /file-references: %d", resp.StatusCode)
	}
}

// TestCampaignMediaExeAsDocument sends an executable named .jpg: it goes
// as a document with its name, never as a photo. A caption over 1,024
// characters for one recipient is refused at save, naming them; the same
// text without the file is a message Telegram takes. A test send carries
// the file and counts as the account's upload.
func TestCampaignMediaExeAsDocument(t *testing.T) {
	t.Parallel()
	sb := mediaSandbox(t)
	a := startAppOn(t, sb)
	c := mediaUser(t, a, "exe@example.com")
	bob := c.Connect(apiID2, apiHash2, phoneBob)
	exe := fakeExe()
	var m api.Media
	c.Upload("holiday.jpg", exe).Into(t, 201, &m)

	// Names are known of the people an extraction saw: the caption is
	// checked for each of them at save.
	x := extractChat(t, c, bob, chatMeetup)
	long := strings.Repeat("é", 1015) + " {full_name}"
	body := map[string]any{
		"name": "Long", "message": long, "media_id": m.ID,
		"audience":           map[string]any{"extraction_ids": []int64{x.ID}},
		"sender_account_ids": []int64{bob}, "pacing": map[string]any{"min_interval_seconds": 0}, "opt_out_footer": false,
	}
	e := c.Call("POST", "/campaigns", body).APIError(t, 422, "validation_failed")
	named := false
	for _, who := range []string{"@alice_m", "@chloe_d", "@fatima_a", "@grace_h", "@kenji_s"} { // full names over 8 characters
		named = named || strings.Contains(e.Message, " for "+who+";")
	}
	if !named || !strings.Contains(e.Message, "1024") {
		t.Errorf("refusal %q, want it to name a recipient whose caption passes 1,024 characters", e.Message)
	}
	delete(body, "media_id")
	c.Call("POST", "/campaigns", body).Into(t, 201, nil)
	// A follow-up's caption is checked the same way, and named.
	body["message"] = "Hi"
	body["steps"] = []map[string]any{{"message": long, "after_seconds": 60, "media_id": m.ID}}
	if e := c.Call("POST", "/campaigns", body).APIError(t, 422, "validation_failed"); !strings.HasPrefix(e.Message, "Step 2: ") || !strings.Contains(e.Message, "1024") {
		t.Errorf("follow-up refusal %q", e.Message)
	}
	delete(body, "steps")
	// Another workspace's file is no attachment of this one.
	other := mediaUser(t, a, "other@example.com")
	if e := other.Call("POST", "/campaigns", map[string]any{"name": "Theirs", "message": "Hi", "media_id": m.ID,
		"audience": map[string]any{"usernames": []string{"alice_m"}}, "sender_account_ids": []int64{bob}}).APIError(t, 422, "validation_failed"); !strings.Contains(e.Message, "No attachment") {
		t.Errorf("another workspace's file: %q", e.Message)
	}
	body["media_id"] = m.ID
	body["steps"] = []map[string]any{{"message": "Again", "after_seconds": 60, "media_id": m.ID + 1000}}
	body["message"] = "Photos from {first_name|}'s trip"
	c.Call("POST", "/campaigns", body).APIError(t, 422, "validation_failed")

	// A test send to Bob's Saved Messages carries the file, and is Bob's
	// upload of it: the campaign after it uploads nothing more.
	c.Call("POST", "/campaigns/test-send", map[string]any{"account_id": bob, "message": body["message"], "media_id": m.ID, "opt_out_footer": false}).Into(t, 204, nil)
	saved := sentBy(t, sb, 4302)[4302]
	if len(saved) != 1 || saved[0].Media == nil || saved[0].Media.Type != "document" || saved[0].Media.SHA256 != sha(exe) || saved[0].Text != "Photos from Bob's trip" {
		t.Fatalf("test send %+v", saved)
	}

	delete(body, "steps")
	body["audience"] = map[string]any{"usernames": []string{"alice_m", "dmitri_k"}}
	v := runCampaign(t, c, body)
	if v.Counts.Sent != 2 {
		t.Fatalf("counts %+v", v.Counts)
	}
	if up := uploadedBytes(t, sb)[4302]; up != int64(len(exe)) {
		t.Errorf("Bob uploaded %d bytes for a test send and two messages of a %d-byte file, want it once", up, len(exe))
	}
	for to, msgs := range sentBy(t, sb, 4302) {
		if to == 4302 {
			continue
		}
		if len(msgs) != 1 || msgs[0].Media == nil {
			t.Errorf("%d got %+v", to, msgs)
			continue
		}
		md := msgs[0].Media
		if md.Type != "document" || md.FileName != "holiday.jpg" || md.SHA256 != sha(exe) || strings.HasPrefix(md.MimeType, "image/") {
			t.Errorf("%d got %+v, want the executable as a document named holiday.jpg", to, md)
		}
	}
}

// fakeVoice starts as an Ogg Opus stream (a voice note) does.
func fakeVoice() []byte {
	b := append([]byte("OggS\x00\x02"), make([]byte, 22)...)
	b = append(b, "\x13OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00"...)
	return append(b, bytes.Repeat([]byte("opus"), 2000)...)
}

// TestCampaignMediaStepsVoiceAndBigFile sends a voice note as the first
// message and an 11 MB file as the follow-up: the file goes up in
// saveBigFilePart parts (past 10 MB), each file once for the account,
// and each person gets each step once.
func TestCampaignMediaStepsVoiceAndBigFile(t *testing.T) {
	t.Parallel()
	sb := mediaSandbox(t)
	a := startAppOn(t, sb)
	c := mediaUser(t, a, "steps@example.com")
	bob := c.Connect(apiID2, apiHash2, phoneBob)

	voice := fakeVoice()
	var v1 api.Media
	c.Upload("hello.ogg", voice).Into(t, 201, &v1)
	if v1.Type != "voice" {
		t.Fatalf("voice note stored as %+v", v1)
	}
	big := make([]byte, 11<<20+12345)
	_, _ = rand.NewChaCha8([32]byte{3}).Read(big)
	var doc api.Media
	c.Upload("slides.pdf", big).Into(t, 201, &doc)
	if doc.Type != "document" || doc.Size != int64(len(big)) {
		t.Fatalf("big file stored as %+v", doc)
	}

	v := runCampaign(t, c, map[string]any{
		"name": "Steps", "message": "Hi {first_name}", "media_id": v1.ID,
		"steps":              []map[string]any{{"message": "The slides, {first_name}", "after_seconds": 1, "media_id": doc.ID}},
		"audience":           map[string]any{"usernames": []string{"alice_m", "bruno_b"}},
		"sender_account_ids": []int64{bob}, "pacing": map[string]any{"min_interval_seconds": 0}, "opt_out_footer": false,
	})
	if v.Counts.Sent != 4 || len(v.Steps) != 2 || v.Steps[0].Sent != 2 || v.Steps[1].Sent != 2 || v.Steps[1].MediaID != doc.ID {
		t.Fatalf("campaign %+v", v)
	}
	sent := sentBy(t, sb, 4302)
	for _, to := range []int64{5001, 5002} {
		msgs := sent[to]
		if len(msgs) != 2 || msgs[0].Media == nil || msgs[1].Media == nil {
			t.Errorf("%s got %+v, want the voice note then the file", mediaPeople[to], msgs)
			continue
		}
		if m := msgs[0].Media; m.Type != "voice" || m.SHA256 != sha(voice) || msgs[0].Text != "Hi "+mediaPeople[to] {
			t.Errorf("%s's first message: %q %+v", mediaPeople[to], msgs[0].Text, m)
		}
		if m := msgs[1].Media; m.Type != "document" || m.SHA256 != sha(big) || m.FileName != "slides.pdf" || msgs[1].Text != "The slides, "+mediaPeople[to] {
			t.Errorf("%s's follow-up: %q %+v", mediaPeople[to], msgs[1].Text, m)
		}
	}
	var counts map[string]int
	sandboxGet(t, sb, "/counts", &counts)
	up := uploadedBytes(t, sb)[4302]
	if want := int64(len(voice) + len(big)); up != want || counts["upload.saveBigFilePart"] != (len(big)+media.PartSize-1)/media.PartSize {
		t.Errorf("uploaded %d bytes in %d big parts, want each file once (%d bytes), the big one in %d parts",
			up, counts["upload.saveBigFilePart"], want, (len(big)+media.PartSize-1)/media.PartSize)
	}
	t.Logf("uploaded %d bytes for 4 messages of 2 files (%d and %d bytes); calls %v", up, len(voice), len(big), counts)
}

// TestCampaignMediaSurvivesFaults breaks the first upload part (Telegram
// INTERNAL) and drops the connection on a later sendMedia: the sends go
// again with their random_ids, and each person gets the photo once.
func TestCampaignMediaSurvivesFaults(t *testing.T) {
	t.Parallel()
	sb := mediaSandbox(t)
	a := startAppOn(t, sb)
	c := mediaUser(t, a, "faults@example.com")
	bob := c.Connect(apiID2, apiHash2, phoneBob)
	photo := testJPEG(t, 11)
	var m api.Media
	c.Upload("p.jpg", photo).Into(t, 201, &m)
	for _, f := range []sandbox.Fault{
		{Method: "upload.saveFilePart", Error: "INTERNAL"},
		{Method: "messages.sendMedia", After: 1, Error: "DROP_CONNECTION"},
	} {
		if err := sb.SetFault(f); err != nil {
			t.Fatal(err)
		}
	}
	v := runCampaign(t, c, map[string]any{
		"name": "Faults", "message": "Hello {first_name}", "media_id": m.ID,
		"audience":           map[string]any{"usernames": []string{"alice_m", "bruno_b", "chloe_d"}},
		"sender_account_ids": []int64{bob}, "pacing": map[string]any{"min_interval_seconds": 0}, "opt_out_footer": false,
	})
	if v.Counts.Sent != 3 || v.Counts.Failed != 0 {
		t.Fatalf("counts %+v", v.Counts)
	}
	sent := sentBy(t, sb, 4302)
	for _, to := range []int64{5001, 5002, 5003} {
		if msgs := sent[to]; len(msgs) != 1 || msgs[0].Media == nil || msgs[0].Media.SHA256 != sha(photo) {
			t.Errorf("%s got %+v, want the photo once", mediaPeople[to], msgs)
		}
	}
	var counts map[string]int
	sandboxGet(t, sb, "/counts", &counts)
	t.Logf("uploaded %d bytes of a %d-byte photo; calls %v", uploadedBytes(t, sb)[4302], len(photo), counts)

	// A remembered upload Telegram no longer takes (MEDIA_INVALID): the
	// next campaign gets it afresh and each person the photo once.
	st, err := storeopen.Open(context.Background(), storeopen.Options{DataDir: a.Config.DataDir, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.DB().Exec("UPDATE media_uploads SET access_hash = access_hash + 1")
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	v = runCampaign(t, c, map[string]any{
		"name": "Stale", "message": "Hello again {first_name}", "media_id": m.ID,
		"audience":           map[string]any{"usernames": []string{"dmitri_k", "emile_z"}},
		"sender_account_ids": []int64{bob}, "pacing": map[string]any{"min_interval_seconds": 0}, "opt_out_footer": false,
	})
	if v.Counts.Sent != 2 || v.Counts.Failed != 0 {
		t.Fatalf("counts after the stale upload %+v", v.Counts)
	}
	sent = sentBy(t, sb, 4302)
	for _, to := range []int64{5004, 5005} {
		if msgs := sent[to]; len(msgs) != 1 || msgs[0].Media == nil || msgs[0].Media.SHA256 != sha(photo) {
			t.Errorf("%s got %+v, want the photo once", mediaPeople[to], msgs)
		}
	}
	t.Logf("after a stale upload: uploaded %d bytes of a %d-byte photo", uploadedBytes(t, sb)[4302], len(photo))
}

// TestCampaignMediaCaptionCheckedAtSend: people known by username only
// have no name until their account looks them up at send, so a caption
// their name takes past 1,024 characters is refused then (that person
// fails, nothing is sent to them), and the others get theirs.
func TestCampaignMediaCaptionCheckedAtSend(t *testing.T) {
	t.Parallel()
	sb := mediaSandbox(t)
	a := startAppOn(t, sb)
	c := mediaUser(t, a, "late@example.com")
	bob := c.Connect(apiID2, apiHash2, phoneBob)
	photo := testJPEG(t, 13)
	var m api.Media
	c.Upload("p.jpg", photo).Into(t, 201, &m)
	v := runCampaign(t, c, map[string]any{
		"name": "Late names", "message": strings.Repeat("é", 1015) + " {full_name}", "media_id": m.ID,
		"audience":           map[string]any{"usernames": []string{"alice_m", "bruno_b"}}, // Alice Moreau: 1,028; Bruno: 1,021
		"sender_account_ids": []int64{bob}, "pacing": map[string]any{"min_interval_seconds": 0}, "opt_out_footer": false,
	})
	if v.Counts.Sent != 1 || v.Counts.Failed != 1 {
		t.Fatalf("counts %+v, want Bruno's sent and Alice's refused", v.Counts)
	}
	sent := sentBy(t, sb, 4302)
	if len(sent[5001]) != 0 || len(sent[5002]) != 1 || sent[5002][0].Media == nil {
		t.Errorf("sent %+v, want only Bruno's photo", sent)
	}
	var rows []map[string]any
	c.Call("GET", fmt.Sprintf("/campaigns/%d/deliveries?format=json", v.ID), nil).Into(t, 200, &rows)
	for _, r := range rows {
		if r["username"] == "alice_m" && (r["state"] != "failed" || !strings.Contains(fmt.Sprint(r["reason"]), "long")) {
			t.Errorf("Alice's row %v", r)
		}
	}
}
