package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestPickerSearch: the campaign and member-list pickers read a bounded
// number of a user's rows whose names contain the text typed, newest
// first, case aside, with LIKE's wildcards taken literally, and never
// another user's.
func TestPickerSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann, bea := mustUser(t, s, "ann@example.com"), mustUser(t, s, "bea@example.com")
		acct := mustAccount(t, s, ann.ID, 1, "9996620001")
		var lists []int64
		for i := range 30 {
			e, err := s.CreateExtraction(ctx, store.NewExtraction{UserID: ann.ID, AccountID: acct.ID, ListName: fmt.Sprintf("List %02d", i),
				Chat: store.Chat{TGChatID: int64(100 + i), AccessHash: 7, Kind: store.ChatSupergroup, Title: "G"}, Now: t0})
			if err != nil {
				t.Fatal(err)
			}
			lists = append(lists, e.ListID)
		}
		if err := s.RenameMemberList(ctx, ann.ID, lists[0], "Old 100%_Special", t0); err != nil {
			t.Fatal(err)
		}
		for i := range 30 {
			name := fmt.Sprintf("Campaign %02d", i)
			if i == 0 {
				name = "Old 100%_Special"
			}
			if _, err := s.CreateCampaign(ctx, store.NewCampaign{Campaign: store.Campaign{UserID: ann.ID, Name: name, Message: "Hi",
				Status: store.CampaignDraft, MinIntervalSeconds: 30, DailyCap: 50, Audience: "{}", CreatedAt: t0}}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.CreateCampaign(ctx, store.NewCampaign{Campaign: store.Campaign{UserID: bea.ID, Name: "Old special of Bea",
			Message: "Hi", Status: store.CampaignDraft, MinIntervalSeconds: 30, DailyCap: 50, Audience: "{}", CreatedAt: t0}}); err != nil {
			t.Fatal(err)
		}

		ls, err := s.SearchMemberLists(ctx, ann.ID, "", 20)
		if err != nil || len(ls) != 20 || ls[0].ID != lists[29] {
			t.Fatalf("newest lists: %d, %v", len(ls), err)
		}
		cs, err := s.SearchCampaigns(ctx, ann.ID, "", 20)
		if err != nil || len(cs) != 20 || cs[0].Name != "Campaign 29" {
			t.Fatalf("newest campaigns: %d, %v", len(cs), err)
		}
		for _, text := range []string{"SPECIAL", "100%_", "old 1"} {
			ls, err := s.SearchMemberLists(ctx, ann.ID, text, 20)
			if err != nil || len(ls) != 1 || ls[0].ID != lists[0] {
				t.Errorf("lists matching %q: %+v, %v", text, ls, err)
			}
			cs, err := s.SearchCampaigns(ctx, ann.ID, text, 20)
			if err != nil || len(cs) != 1 || cs[0].Name != "Old 100%_Special" {
				t.Errorf("campaigns matching %q: %+v, %v", text, cs, err)
			}
		}
		for _, text := range []string{"%", "_x", `\`} { // wildcards are literal
			if ls, err := s.SearchMemberLists(ctx, ann.ID, text, 20); err != nil || len(ls) > 1 {
				t.Errorf("lists matching %q: %d, %v", text, len(ls), err)
			}
		}
		if cs, err := s.SearchCampaigns(ctx, bea.ID, "campaign", 20); err != nil || len(cs) != 0 {
			t.Errorf("bea finds ann's campaigns: %d, %v", len(cs), err)
		}

		n, ready, err := s.MemberListCounts(ctx, ann.ID)
		if err != nil || n != 30 || ready != 0 {
			t.Errorf("counts %d lists, %d ready, %v; want 30, 0", n, ready, err)
		}
		done := fillList(t, s, ann.ID, acct.ID, 10)
		if err := s.FinishExtraction(ctx, done.ID, "r", store.ExtractionCompleted, "", "", "", t0); err != nil {
			t.Fatal(err)
		}
		if n, ready, err := s.MemberListCounts(ctx, ann.ID); err != nil || n != 31 || ready != 1 {
			t.Errorf("counts %d lists, %d ready, %v; want 31, 1", n, ready, err)
		}
		if n, ready, err := s.MemberListCounts(ctx, bea.ID); err != nil || n != 0 || ready != 0 {
			t.Errorf("bea's counts %d, %d, %v", n, ready, err)
		}
	})
}
