package campaign_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/media"
	"github.com/telegramate/telegramate/internal/store"
)

// TestKilledServerSendsMediaOnce kills the sending process with SIGKILL
// while both accounts are uploading a 12 MB file (saveBigFilePart parts,
// some in, none sent), restarts it, kills it again mid-send, just as a
// message reaches Telegram and before its answer is back, and restarts
// it to the end. Judged from the sandbox's record: every recipient got
// exactly one message, with the file's sha256 and the random_id of its
// delivery; each account's upload went on after the kill from the part
// after the last one it had recorded, under the same file id, so the
// parts recorded before the kill did not go up again and no account sent
// more than the file and the few parts sent since its last record. On
// both engines, the child opening the parent's database.
func TestKilledServerSendsMediaOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			st, conf := killStore(t, engine)
			testKilledServerSendsMediaOnce(t, st, conf)
		})
	}
}

func testKilledServerSendsMediaOnce(t *testing.T, st store.Store, conf childConf) {
	ctx := context.Background()
	ms, err := media.New(media.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, st, campaign.Options{Media: ms})
	l1, l2 := e.list(sam, chatCrowd), e.list(sid, chatCrowd)
	file := make([]byte, 12<<20+777)
	_, _ = rand.NewChaCha8([32]byte{7}).Read(file)
	sum := fmt.Sprintf("%x", sha256.Sum256(file))
	f, _, err := st.PutMediaFile(ctx, store.NewMediaFile{UserID: e.user, FileName: "report.pdf", MIMEType: "application/pdf",
		Type: store.MediaDocument, Now: time.Now()}, bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	parts := (len(file) + media.PartSize - 1) / media.PartSize
	v := e.create(campaign.CreateInput{Message: "Hello {first_name|there}, the report", MediaID: f.ID, Audience: campaign.Audience{ListIDs: []int64{l1, l2}},
		SenderAccountIDs: []int64{e.account(sam), e.account(sid)}, Pacing: campaign.PacingInput{MinIntervalSeconds: intp(0), DailyCap: intp(1000)}})
	// The child sends and holds the accounts' connections, so a kill cuts
	// off the upload and the sends it makes.
	e.stopJobs()
	e.acc.Close()
	// 20 ms round trips, the second half after the work is done: a kill
	// as a message lands finds its answer not yet recorded, and a part
	// takes long enough for a kill to fall between two.
	e.sbx.SetLatency(10 * time.Millisecond)
	e.sbx.SetAnswerDelay(10 * time.Millisecond)
	conf.DCs, conf.PublicKey, conf.UserID, conf.Start, conf.Media = e.sbx.DCs(), e.sbx.PublicKeyPEM(), e.user, v.ID, true
	sent := func() int { return len(e.sentBy(sam.TGUserID)) + len(e.sentBy(sid.TGUserID)) }
	bigParts := func() int { return e.sbx.Counts()["upload.saveBigFilePart"] }

	kill := func(i int, until func() bool, what string) {
		t.Helper()
		cmd := startChild(t, conf)
		conf.Start = 0
		deadline := time.Now().Add(90 * time.Second)
		for !until() {
			if time.Now().After(deadline) {
				t.Fatalf("child %d: no %s (%d parts, %d messages)", i, what, bigParts(), sent())
			}
			time.Sleep(2 * time.Millisecond)
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		t.Logf("killed child %d %s: %d parts uploaded, %d messages sent, %v uploaded", i, what, bigParts(), sent(), e.sbx.UploadedBytes())
		rescue(t, st)
	}

	// progress is the parts each account has recorded of its upload. (The
	// statements here are written with $n parameters, which both engines
	// read.)
	accounts := map[int64]int64{sam.TGUserID: e.account(sam), sid.TGUserID: e.account(sid)}
	progress := func() map[int64]int {
		out := map[int64]int{}
		for tgID, id := range accounts {
			var n int
			err := st.DB().QueryRowContext(ctx, `SELECT parts FROM media_upload_progress WHERE account_id = $1 AND file_id = $2`, id, f.ID).Scan(&n)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				t.Fatal(err)
			}
			out[tgID] = n
		}
		return out
	}
	// Mid-upload: both accounts' uploads (they run side by side) a few
	// parts in and recorded, far from the last.
	kill(0, func() bool {
		p := progress()
		return p[sam.TGUserID] > 0 && p[sid.TGUserID] > 0
	}, "mid-upload")
	if n := sent(); n != 0 || bigParts() >= 2*parts {
		t.Fatalf("the kill was not mid-upload: %d messages, %d of 2×%d parts", n, bigParts(), parts)
	}
	partsBefore, atKill, recorded := bigParts(), e.sbx.UploadedBytes(), progress()
	// Mid-send: the restarted upload done and messages going.
	kill(1, func() bool { return sent() >= 60 }, "mid-send")
	startChild(t, conf)
	e.waitDone(v.ID)

	v, err = e.svc.Get(ctx, e.user, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != store.CampaignCompleted || v.Counts.Pending+v.Counts.Sending != 0 {
		t.Fatalf("campaign %s, counts %+v", v.Status, v.Counts)
	}
	byRecipient := map[int64][]string{}
	for _, from := range []int64{sam.TGUserID, sid.TGUserID} {
		for _, m := range e.sentBy(from) {
			if m.Media == nil || m.Media.SHA256 != sum || m.Media.Size != int64(len(file)) {
				t.Errorf("%d got %+v, want the file (sha256 %s)", m.To, m.Media, sum)
			}
			byRecipient[m.To] = append(byRecipient[m.To], fmt.Sprint(m.RandomID))
		}
	}
	for _, r := range e.deliveries(v.ID) {
		got := byRecipient[r.UserID]
		switch r.State {
		case store.DeliverySent:
			if len(got) != 1 || got[0] != r.RandomID {
				t.Errorf("recipient %d: messages with random_ids %v, want exactly one with %s", r.UserID, got, r.RandomID)
			}
		default:
			if len(got) != 0 {
				t.Errorf("recipient %d (%s: %s) got %d messages", r.UserID, r.State, r.Reason, len(got))
			}
		}
	}
	if v.Counts.Sent < 150 {
		t.Errorf("only %d sent", v.Counts.Sent)
	}
	// Each account sent the parts it had before the first kill, then the
	// rest of the file from the part after its last record: the parts
	// since that record (at most a record's worth, 4, with the one a kill
	// may catch on its way) are all that went up twice. The second kill,
	// after the document was remembered, cost no upload.
	const fewParts = 4
	up := e.sbx.UploadedBytes()
	var total int64
	for _, a := range []int64{sam.TGUserID, sid.TGUserID} {
		total += up[a]
		if up[a] < int64(len(file)) || up[a] > int64(len(file))+fewParts*media.PartSize {
			t.Errorf("account %d uploaded %d bytes of a %d-byte file across two kills, want the file once and at most %d parts more", a, up[a], len(file), fewParts)
		}
		// A part on its way at the kill may be counted after atKill was
		// read: one part of slack, still less than the parts recorded.
		if after, most := up[a]-atKill[a], int64(len(file))-int64(recorded[a]-1)*media.PartSize; recorded[a] < 2 || after > most {
			t.Errorf("account %d had %d parts recorded at the kill and uploaded %d bytes after it, want at most %d: the recorded parts went up again", a, recorded[a], after, most)
		}
	}
	// Parts past the file once per account are the ones sent twice, each a
	// whole part from before the kill.
	if extra, cut := total-2*int64(len(file)), bigParts()-2*parts; cut < 0 || cut > 2*fewParts || extra != int64(cut)*media.PartSize {
		t.Errorf("%d bytes uploaded beyond the file once per account in %d parts beyond 2×%d (%d counted at the kill, %v recorded), want at most %d parts per account",
			extra, cut, parts, partsBefore, recorded, fewParts)
	}
	var resent int
	if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE campaign_id = $1 AND attempts > 1`, v.ID).Scan(&resent); err != nil {
		t.Fatal(err)
	}
	// A send is one sendMedia unless a kill caught it on its way: then it
	// went again with its random_id and Telegram dropped the repeat.
	repeats := e.sbx.Counts()["messages.sendMedia"] - v.Counts.Sent - v.Counts.Failed
	t.Logf("%d messages (%d failed), %d tried again after a kill, %d sendMedia calls repeated for a send a kill interrupted (Telegram kept one message of each); uploaded %v for a %d-byte file (%d parts in at the first kill, %v recorded)",
		v.Counts.Sent, v.Counts.Failed, resent, repeats, up, len(file), partsBefore, recorded)
	if repeats < 1 {
		t.Error("the mid-send kill caught no message between Telegram and its record: the test proved less than it says")
	}
}
