package sandbox

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gotd/td/tg"
)

func participants(ctx context.Context, api *tg.Client, ch *tg.InputChannel, f tg.ChannelParticipantsFilterClass, offset, limit int) (*tg.ChannelsChannelParticipants, error) {
	res, err := api.ChannelsGetParticipants(ctx, &tg.ChannelsGetParticipantsRequest{Channel: ch, Filter: f, Offset: offset, Limit: limit})
	if err != nil {
		return nil, err
	}
	return res.(*tg.ChannelsChannelParticipants), nil
}

func ids(p *tg.ChannelsChannelParticipants) []int64 {
	var out []int64
	for _, u := range p.Users {
		out = append(out, u.(*tg.User).ID)
	}
	return out
}

func TestParticipantsPagingStopsAtCap(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	c := loggedIn(t, s, bobPhone) // a plain member of Go Devs
	run(t, c, func(ctx context.Context) error {
		api := c.API()
		ch := channelInput(s, 5001)
		seen := map[int64]bool{}
		offset, pages := 0, 0
		for {
			// Ask for more than the page size; the server gives page_size.
			p, err := participants(ctx, api, ch, &tg.ChannelParticipantsRecent{}, offset, 500)
			if err != nil {
				return err
			}
			if p.Count != 1004 {
				return fmt.Errorf("count %d, want every member (1004)", p.Count)
			}
			if len(p.Participants) == 0 {
				break
			}
			if len(p.Participants) > 100 {
				return fmt.Errorf("page of %d, want at most page_size 100", len(p.Participants))
			}
			if len(p.Users) != len(p.Participants) {
				return fmt.Errorf("%d users for %d participants", len(p.Users), len(p.Participants))
			}
			for _, id := range ids(p) {
				if seen[id] {
					return fmt.Errorf("member %d twice", id)
				}
				seen[id] = true
			}
			offset += len(p.Participants)
			pages++
		}
		if len(seen) != 600 || pages != 6 {
			return fmt.Errorf("fetched %d in %d pages, want the cap of 600 in 6", len(seen), pages)
		}
		return nil
	})
}

func TestParticipantFilters(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	ann, bob := loggedIn(t, s, annPhone), loggedIn(t, s, bobPhone)
	ch := channelInput(s, 5001)
	run(t, ann, func(ctx context.Context) error {
		api := ann.API()
		for _, tc := range []struct {
			name   string
			filter tg.ChannelParticipantsFilterClass
			check  func([]int64, int) error
		}{
			{"admins", &tg.ChannelParticipantsAdmins{}, func(got []int64, _ int) error {
				if !slices.Equal(got, []int64{1001}) {
					return fmt.Errorf("admins %v", got)
				}
				return nil
			}},
			{"bots", &tg.ChannelParticipantsBots{}, func(got []int64, _ int) error {
				if !slices.Contains(got, 1005) || len(got) < 5 {
					return fmt.Errorf("bots %v", got)
				}
				for _, id := range got {
					if !s.people[id].Bot {
						return fmt.Errorf("%d is no bot", id)
					}
				}
				return nil
			}},
			{"search", &tg.ChannelParticipantsSearch{Q: "CLE"}, func(got []int64, _ int) error {
				if !slices.Contains(got, 1003) || slices.Contains(got, 1001) {
					return fmt.Errorf("search %v", got)
				}
				return nil
			}},
			{"contacts", &tg.ChannelParticipantsContacts{}, func(got []int64, _ int) error {
				if !slices.Equal(got, []int64{1002}) {
					return fmt.Errorf("contacts %v", got)
				}
				return nil
			}},
			{"kicked", &tg.ChannelParticipantsKicked{}, func(got []int64, _ int) error {
				if !slices.Equal(got, []int64{1004}) {
					return fmt.Errorf("kicked %v", got)
				}
				return nil
			}},
			{"banned", &tg.ChannelParticipantsBanned{}, func(got []int64, n int) error {
				if len(got) != 0 || n != 0 {
					return fmt.Errorf("banned %v", got)
				}
				return nil
			}},
		} {
			p, err := participants(ctx, api, ch, tc.filter, 0, 100)
			if err != nil {
				return fmt.Errorf("%s: %w", tc.name, err)
			}
			if err := tc.check(ids(p), p.Count); err != nil {
				return fmt.Errorf("%s: %w", tc.name, err)
			}
		}
		return nil
	})
	run(t, bob, func(ctx context.Context) error {
		_, err := participants(ctx, bob.API(), ch, &tg.ChannelParticipantsKicked{}, 0, 100)
		return wantRPC(t, err, "CHAT_ADMIN_REQUIRED")
	})
}

func TestHiddenMembersShowOnlyAdminsAndBots(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	ann, bob := loggedIn(t, s, annPhone), loggedIn(t, s, bobPhone)
	ch := channelInput(s, 5002)
	run(t, ann, func(ctx context.Context) error {
		p, err := participants(ctx, ann.API(), ch, &tg.ChannelParticipantsRecent{}, 0, 100)
		if err != nil {
			return err
		}
		if len(p.Participants) == 0 || p.Count != len(p.Participants) {
			return fmt.Errorf("count %d for %d shown", p.Count, len(p.Participants))
		}
		for _, id := range ids(p) {
			if id != 1002 && !s.people[id].Bot {
				return fmt.Errorf("non-admin sees member %d of a hidden group", id)
			}
		}
		full, err := ann.API().ChannelsGetFullChannel(ctx, ch)
		if err != nil {
			return err
		}
		cf := full.FullChat.(*tg.ChannelFull)
		if !cf.ParticipantsHidden || cf.CanViewParticipants || cf.ParticipantsCount != 53 {
			return fmt.Errorf("full channel %+v", cf)
		}
		return nil
	})
	run(t, bob, func(ctx context.Context) error {
		p, err := participants(ctx, bob.API(), ch, &tg.ChannelParticipantsRecent{}, 0, 100)
		if err != nil {
			return err
		}
		if len(p.Participants) != 53 {
			return fmt.Errorf("admin sees %d of 53", len(p.Participants))
		}
		return nil
	})
}

func TestBroadcastChannelListsOnlyForAdmins(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	ann, bob := loggedIn(t, s, annPhone), loggedIn(t, s, bobPhone)
	ch := channelInput(s, 5003)
	run(t, ann, func(ctx context.Context) error {
		_, err := participants(ctx, ann.API(), ch, &tg.ChannelParticipantsRecent{}, 0, 100)
		return wantRPC(t, err, "CHAT_ADMIN_REQUIRED")
	})
	run(t, bob, func(ctx context.Context) error {
		p, err := participants(ctx, bob.API(), ch, &tg.ChannelParticipantsRecent{}, 0, 100)
		if err != nil {
			return err
		}
		if p.Count != 32 || len(p.Participants) != 32 {
			return fmt.Errorf("subscribers %d/%d, want 32", len(p.Participants), p.Count)
		}
		return nil
	})
}

func TestDialogsChatsAndUsers(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	c := loggedIn(t, s, annPhone)
	run(t, c, func(ctx context.Context) error {
		api := c.API()
		d, err := api.MessagesGetDialogs(ctx, &tg.MessagesGetDialogsRequest{OffsetPeer: &tg.InputPeerEmpty{}, Limit: 100})
		if err != nil {
			return err
		}
		dl := d.(*tg.MessagesDialogs)
		var got []int64
		for _, ch := range dl.Chats {
			got = append(got, ch.GetID())
		}
		slices.Sort(got)
		if !slices.Equal(got, []int64{5001, 5002, 5003, 5004}) || len(dl.Dialogs) != 4 || len(dl.Messages) != 4 {
			return fmt.Errorf("dialogs chats %v, %d dialogs, %d messages", got, len(dl.Dialogs), len(dl.Messages))
		}
		for _, ch := range dl.Chats {
			switch v := ch.(type) {
			case *tg.Channel:
				if v.ID == 5003 && !v.Broadcast || v.ID == 5001 && (!v.Megagroup || !v.Creator || v.Username != "godevs") {
					return fmt.Errorf("channel %+v", v)
				}
			case *tg.Chat:
				if v.ID != 5004 || v.ParticipantsCount != 3 {
					return fmt.Errorf("chat %+v", v)
				}
			}
		}

		full, err := api.MessagesGetFullChat(ctx, 5004)
		if err != nil {
			return err
		}
		parts := full.FullChat.(*tg.ChatFull).Participants.(*tg.ChatParticipants).Participants
		if len(parts) != 3 || len(full.Users) != 3 {
			return fmt.Errorf("basic group participants %d, users %d", len(parts), len(full.Users))
		}
		if _, ok := parts[0].(*tg.ChatParticipantCreator); !ok {
			return fmt.Errorf("first participant %T, want the creator", parts[0])
		}
		_, err = api.MessagesGetFullChat(ctx, 5001)
		if err := wantRPC(t, err, "CHAT_ID_INVALID"); err != nil {
			return err
		}
		fc, err := api.ChannelsGetFullChannel(ctx, channelInput(s, 5001))
		if err != nil {
			return err
		}
		if cf := fc.FullChat.(*tg.ChannelFull); cf.ParticipantsCount != 1004 || !cf.CanViewParticipants || cf.KickedCount != 1 {
			return fmt.Errorf("full channel %+v", cf)
		}
		_, err = api.ChannelsGetFullChannel(ctx, &tg.InputChannel{ChannelID: 5001, AccessHash: 1})
		if err := wantRPC(t, err, "CHANNEL_INVALID"); err != nil {
			return err
		}

		r, err := api.ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: "GoDevs"})
		if err != nil {
			return err
		}
		if p, ok := r.Peer.(*tg.PeerChannel); !ok || p.ChannelID != 5001 {
			return fmt.Errorf("resolved %+v", r.Peer)
		}
		r, err = api.ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: "bob_stone"})
		if err != nil {
			return err
		}
		bob := r.Users[0].(*tg.User)
		if bob.ID != 1002 || !bob.MutualContact || bob.Phone != "9996621002" {
			return fmt.Errorf("bob as seen by a mutual contact %+v", bob)
		}
		_, err = api.ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: "nobody_here"})
		if err := wantRPC(t, err, "USERNAME_NOT_OCCUPIED"); err != nil {
			return err
		}

		users, err := api.UsersGetUsers(ctx, []tg.InputUserClass{
			&tg.InputUser{UserID: 1003, AccessHash: s.people[1003].accessHash},
			&tg.InputUser{UserID: 1005, AccessHash: s.people[1005].accessHash},
			&tg.InputUser{UserID: 1006, AccessHash: s.people[1006].accessHash},
		})
		if err != nil {
			return err
		}
		cleo, bot, gone := users[0].(*tg.User), users[1].(*tg.User), users[2].(*tg.User)
		if st, ok := cleo.Status.(*tg.UserStatusOffline); !ok || st.WasOnline != 1700000000 || cleo.Phone != "" {
			return fmt.Errorf("cleo %+v", cleo)
		}
		if !bot.Bot || !gone.Deleted || gone.FirstName != "" {
			return fmt.Errorf("bot %+v deleted %+v", bot, gone)
		}
		fu, err := api.UsersGetFullUser(ctx, &tg.InputUser{UserID: 1002, AccessHash: s.people[1002].accessHash})
		if err != nil {
			return err
		}
		if fu.FullUser.CommonChatsCount != 3 {
			return fmt.Errorf("common chats %d, want 3", fu.FullUser.CommonChatsCount)
		}
		_, err = api.UsersGetFullUser(ctx, &tg.InputUser{UserID: 1002, AccessHash: 42})
		return wantRPC(t, err, "USER_ID_INVALID")
	})
}

// TestLatencyDelaysEveryAnswer: with a latency set, no answer comes sooner;
// SetLatency switches it at run time. (A lower bound only: a sleep is never
// shorter, so this cannot flake on a busy machine.)
func TestLatencyDelaysEveryAnswer(t *testing.T) {
	const d = 150 * time.Millisecond
	s := startSandbox(t, testWorld(t), Options{Latency: d})
	c := loggedIn(t, s, annPhone)
	run(t, c, func(ctx context.Context) error {
		for range 2 {
			start := time.Now()
			if _, err := c.API().HelpGetConfig(ctx); err != nil {
				return err
			}
			if took := time.Since(start); took < d {
				t.Errorf("help.getConfig answered in %v with a latency of %v", took, d)
			}
		}
		s.SetLatency(0)
		_, err := c.API().HelpGetConfig(ctx)
		return err
	})
}
