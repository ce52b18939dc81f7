package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// rlo is RIGHT-TO-LEFT OVERRIDE: what follows it shows backwards until
// the end of its paragraph or isolate ("Eve‮gnp.exe" reads "Eveexe.png").
const rlo = "\u202E"

// TestNamesAreIsolated: names people gave (an account's, a member's, a
// chat's, a list's, a campaign's, a conversation's, a token's, a
// suppression's reason) holding U+202E are isolated wherever a page
// shows them: inside <bdi> in text, between FIRST STRONG ISOLATE and POP
// DIRECTIONAL ISOLATE in titles, attributes and options. So nothing a
// stranger names themselves turns the text around it.
func TestNamesAreIsolated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		annID := ann.userID(t)
		acct := senderOf(t, e, "ann@example.com", 2000101, "Eve"+rlo+"gnp.exe")
		now := time.Now().UTC()

		c, err := s.CreateCampaign(ctx, store.NewCampaign{
			Campaign: store.Campaign{UserID: annID, Name: "Spring " + rlo + "sale", Message: "Hi", Status: store.CampaignDraft, OptOutFooter: true,
				MinIntervalSeconds: 30, DailyCap: 50, FailurePercent: 10, Audience: "{}", CreatedAt: now, SenderIDs: []int64{acct}},
			Deliveries: []store.NewDelivery{{AccountID: acct, TGUserID: 42, AccessHash: 1, FirstName: "Mal" + rlo + "lory", State: store.DeliveryPending, RandomID: 7}},
		})
		if err != nil {
			t.Fatal(err)
		}
		conv := seedChat(t, e, "ann@example.com", now, chat{account: acct, tgUser: 42, first: "Mal" + rlo + "lory", campaign: c.ID,
			msgs: []store.InboxMessage{in("hello")}})

		x, err := s.CreateExtraction(ctx, store.NewExtraction{UserID: annID, AccountID: acct, ListName: "Fans " + rlo + "club",
			Chat: store.Chat{TGChatID: 77, Kind: store.ChatSupergroup, Title: "Fans " + rlo + "club"}, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		run, err := s.StartExtractionRun(ctx, x.ID, "run", now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveMembersPage(ctx, store.Checkpoint{ExtractionID: x.ID, RunToken: "run", Phase: run.Phase, Total: 1, Now: now},
			[]store.Member{{ListID: x.ListID, AccountID: acct, TGUserID: 42, AccessHash: 1, FirstName: "Mal" + rlo + "lory", LastSeen: "recently", Role: "member"}}); err != nil {
			t.Fatal(err)
		}
		ann.post("/tokens", url.Values{"name": {"ci " + rlo + "bot"}}).wantStatus(t, http.StatusCreated)
		ann.post("/suppressions", url.Values{"user": {"@alice_m"}, "reason": {"asked " + rlo + "twice"}}).wantStatus(t, http.StatusSeeOther)

		for _, path := range []string{
			"/", "/accounts", fmt.Sprintf("/accounts/%d", acct), "/campaigns", fmt.Sprintf("/campaigns/%d", c.ID), "/campaigns/new",
			"/inbox", fmt.Sprintf("/inbox/%d", conv), "/member-lists", fmt.Sprintf("/member-lists/%d", x.ListID),
			fmt.Sprintf("/extractions/%d", x.ID), "/tokens", "/suppressions",
		} {
			body := ann.get(path).wantStatus(t, http.StatusOK).body
			if !strings.Contains(body, rlo) {
				t.Errorf("%s shows no name with U+202E: the test does not reach it", path)
			}
			for _, at := range unisolated(body) {
				t.Errorf("%s shows U+202E unisolated: …%s…", path, strings.ReplaceAll(body[max(0, at-120):at], "\n", " "))
			}
		}
	})
}

// unisolated are the offsets of the U+202E in body that are neither in
// a <bdi> element nor between U+2068 and U+2069.
func unisolated(body string) []int {
	var out []int
	for i := 0; ; {
		j := strings.Index(body[i:], rlo)
		if j < 0 {
			return out
		}
		at := i + j
		before := body[:at]
		inBDI := strings.LastIndex(before, "<bdi>") > strings.LastIndex(before, "</bdi>")
		inFSI := strings.LastIndex(before, "\u2068") > strings.LastIndex(before, "\u2069")
		if !inBDI && !inFSI {
			out = append(out, at)
		}
		i = at + len(rlo)
	}
}
