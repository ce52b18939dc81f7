package extract

import (
	"context"
	"fmt"
	"time"

	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/store"
)

// pageSize is channels.getParticipants' largest page.
const pageSize = 200

// Phases of an extraction, saved in its checkpoint. A supergroup is listed
// as recent members; when Telegram's cap stops that list, admins and bots
// follow (those past the cap are worth having); when members are hidden,
// admins and bots are all Telegram shows. A search run lists only its
// term's matches.
const (
	phaseFull   = "full" // basic group: messages.getFullChat
	phaseRecent = "recent"
	phaseAdmins = "admins"
	phaseBots   = "bots"
	phaseSearch = "search"
	phaseDone   = "done"
)

func phasesFor(kind, search string, hidden bool) []string {
	switch {
	case kind == store.ChatGroup:
		return []string{phaseFull}
	case search != "":
		return []string{phaseSearch}
	case hidden:
		// Telegram shows only these; listing recent members would fetch
		// the same people again.
		return []string{phaseAdmins, phaseBots}
	}
	return []string{phaseRecent, phaseAdmins, phaseBots}
}

// run is one job run's pass over an extraction: it continues from the
// checkpoint, one page per step, saving each page with the next
// checkpoint.
type run struct {
	s       *Service
	api     *tg.Client
	e       store.Extraction // as the run started; the fetcher reads it
	cp      store.Checkpoint // the last saved checkpoint
	fetched int              // members in the list after the last save
	token   string
	until   time.Time // the run's budget ends here
}

func newRun(s *Service, api *tg.Client, e store.Extraction, until time.Time) *run {
	return &run{
		s: s, api: api, e: e, token: e.RunToken, until: until, fetched: e.Fetched,
		cp: store.Checkpoint{
			ExtractionID: e.ID, RunToken: e.RunToken, Phase: e.Phase, PhaseOffset: e.PhaseOffset, Total: e.Total,
			Partial: e.Partial, Cap: e.Cap, MembersHidden: e.MembersHidden, Notice: e.Notice,
		},
	}
}

func (r *run) do(ctx context.Context) error {
	if r.cp.Phase == "" {
		if err := r.prepare(ctx); err != nil {
			return err
		}
	}
	switch r.cp.Phase {
	case phaseDone:
		return nil
	case phaseFull:
		return r.fullChat(ctx)
	}
	return r.pages(ctx)
}

// page is one fetched page and the checkpoint that follows it.
type page struct {
	cp      store.Checkpoint
	members []store.Member
	err     error
}

// pages fetches page after page while earlier ones are being saved:
// Telegram's answers and the database's writes overlap. The first page is
// saved as soon as it comes, so the list shows members at once; after it,
// pages are saved maxPagesPerSave at a time, in one transaction with the
// checkpoint of the last of them, so a resume still starts exactly after
// the rows that were committed. The database pays one commit for four
// pages instead of one each, and the machine's time goes to the fetching
// three times in four: a save that starts as the next request leaves
// slows that request down when the CPU is scarce (measured with the
// sandbox on the same two cores: about 1.7 ms on each 20 ms round trip
// when every page was saved on its own).
func (r *run) pages(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	out := make(chan page, maxPagesPerSave)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		cp := r.cp
		for cp.Phase != phaseDone {
			if !r.s.now().Before(r.until) {
				// The consumer may have stopped reading (a failed save)
				// with the buffer full: never block on it.
				select {
				case out <- page{err: errYield}:
				case <-ctx.Done():
				}
				return
			}
			next, members, err := r.fetch(ctx, cp)
			select {
			case out <- page{cp: next, members: members, err: err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
			cp = next
		}
	}()
	defer func() {
		cancel()
		<-done // the client must outlive every call made on it
	}()
	var batch []store.Member
	first := true
	for p := range out {
		if p.err != nil {
			return p.err
		}
		cp := p.cp
		batch = append(batch[:0], p.members...)
		var stop error
		// After the first page, wait for the batch to fill: the fetcher
		// ends the channel when the pages are done, and says when it stops
		// early (budget used, Telegram's refusal), so every page fetched is
		// saved before the run returns.
		for n := 1; n < maxPagesPerSave && !first; n++ {
			q, ok := <-out
			if !ok {
				break
			}
			if q.err != nil {
				stop = q.err // after the pages before it are saved
				break
			}
			cp, batch = q.cp, append(batch, q.members...)
		}
		first = false
		if err := r.save(ctx, cp, batch); err != nil {
			return err
		}
		if stop != nil {
			return stop
		}
	}
	return nil
}

// maxPagesPerSave bounds how many fetched pages wait in memory and go
// into one transaction (4 pages of 200 members, a few hundred kilobytes;
// 8 measured no faster and took the heap past the 64 MB budget).
const maxPagesPerSave = 4

func (r *run) channel() *tg.InputChannel {
	return &tg.InputChannel{ChannelID: r.e.ChatTGID, AccessHash: r.e.ChatAccessHash}
}

// prepare learns what Telegram will show of the chat before the first page.
func (r *run) prepare(ctx context.Context) error {
	cp := r.cp
	if r.e.ChatKind == store.ChatGroup {
		cp.Phase = phaseFull
		return r.save(ctx, cp, nil)
	}
	full, err := r.api.ChannelsGetFullChannel(ctx, r.channel())
	if err != nil {
		return fmt.Errorf("extraction %d: channel info: %w", r.e.ID, err)
	}
	var ch *tg.Channel
	for _, c := range full.Chats {
		if v, ok := c.(*tg.Channel); ok && v.ID == r.e.ChatTGID {
			ch = v
		}
	}
	cf, ok := full.FullChat.(*tg.ChannelFull)
	if ch == nil || !ok {
		return ErrChatUnavailable
	}
	_, hasRights := ch.GetAdminRights()
	admin := hasRights || ch.Creator
	if ch.Broadcast && !admin {
		return ErrChannelAdminRequired
	}
	hidden := cf.ParticipantsHidden && !admin
	cp.Total = cf.ParticipantsCount
	cp.MembersHidden = hidden
	if hidden {
		cp.Partial, cp.Notice = true, noticeHidden
	}
	cp.Phase = phasesFor(r.e.ChatKind, r.e.Search, hidden)[0]
	return r.save(ctx, cp, nil)
}

// Notices saved with the checkpoint; Progress words them with the numbers.
const (
	noticeHidden = "hidden"
	noticeCap    = "cap"
)

func filterFor(phase, search string) tg.ChannelParticipantsFilterClass {
	switch phase {
	case phaseAdmins:
		return &tg.ChannelParticipantsAdmins{}
	case phaseBots:
		return &tg.ChannelParticipantsBots{}
	case phaseSearch:
		return &tg.ChannelParticipantsSearch{Q: search}
	}
	return &tg.ChannelParticipantsRecent{}
}

func (r *run) nextPhase(phase string, hidden bool) string {
	phases := phasesFor(r.e.ChatKind, r.e.Search, hidden)
	for i, p := range phases {
		if p == phase && i+1 < len(phases) {
			return phases[i+1]
		}
	}
	return phaseDone
}

// fetch asks for the page that follows checkpoint cp and returns its
// members and the checkpoint after them.
func (r *run) fetch(ctx context.Context, cp store.Checkpoint) (store.Checkpoint, []store.Member, error) {
	phase, offset := cp.Phase, cp.PhaseOffset
	res, err := r.api.ChannelsGetParticipants(ctx, &tg.ChannelsGetParticipantsRequest{
		Channel: r.channel(), Filter: filterFor(phase, r.e.Search), Offset: offset, Limit: pageSize,
	})
	if err != nil {
		return cp, nil, fmt.Errorf("extraction %d: %s page at %d: %w", r.e.ID, phase, offset, err)
	}
	var (
		parts []tg.ChannelParticipantClass
		users []tg.UserClass
		count int
	)
	if p, ok := res.(*tg.ChannelsChannelParticipants); ok {
		parts, users, count = p.Participants, p.Users, p.Count
	}
	now := r.s.now()
	byID := usersByID(users)
	members := make([]store.Member, 0, len(parts))
	for _, p := range parts {
		id, role, joined, ok := channelParticipant(p)
		if u := byID[id]; ok && u != nil {
			members = append(members, memberFrom(r.e.AccountID, u, role, joined, now))
		}
	}

	next := offset + len(parts)
	switch phase {
	case phaseRecent:
		cp.Total = max(cp.Total, count)
	case phaseSearch:
		cp.Total = count
	}
	if len(parts) == 0 || next >= count {
		if (phase == phaseRecent || phase == phaseSearch) && next < count {
			// Telegram stops listing here: report it, never sweep past it.
			cp.Partial, cp.Cap, cp.Notice = true, next, noticeCap
		}
		cp.Phase, cp.PhaseOffset = r.nextPhase(phase, cp.MembersHidden), 0
		if phase == phaseRecent && next >= count {
			// Every member was listed, admins and bots among them: asking
			// for them again would only repeat pages.
			cp.Phase = phaseDone
		}
	} else {
		cp.PhaseOffset = next
	}
	return cp, members, nil
}

// fullChat saves a basic group's members, all in one call.
func (r *run) fullChat(ctx context.Context) error {
	res, err := r.api.MessagesGetFullChat(ctx, r.e.ChatTGID)
	if err != nil {
		return fmt.Errorf("extraction %d: full chat: %w", r.e.ID, err)
	}
	full, ok := res.FullChat.(*tg.ChatFull)
	if !ok {
		return ErrChatUnavailable
	}
	list, ok := full.Participants.(*tg.ChatParticipants)
	if !ok {
		// ChatParticipantsForbidden: the account may not see them.
		return ErrChatAdminRequired
	}
	now := r.s.now()
	byID := usersByID(res.Users)
	members := make([]store.Member, 0, len(list.Participants))
	for _, p := range list.Participants {
		id, role, joined := chatParticipant(p)
		// Telegram cannot search a basic group's members, so a search term
		// is applied here, the way its member search matches.
		if u := byID[id]; u != nil && (r.e.Search == "" || matchesSearch(u, r.e.Search)) {
			members = append(members, memberFrom(r.e.AccountID, u, role, joined, now))
		}
	}
	cp := r.cp
	cp.Total, cp.Phase, cp.PhaseOffset = len(list.Participants), phaseDone, 0
	if r.e.Search != "" {
		cp.Total = len(members) // what a supergroup's search reports: the matches
	}
	return r.save(ctx, cp, members)
}

// save writes the page's members and the checkpoint that follows them in
// one transaction.
func (r *run) save(ctx context.Context, cp store.Checkpoint, members []store.Member) error {
	cp.Now = r.s.now()
	var fetched int
	err := r.s.st.InTx(ctx, func(tx store.Tx) error {
		n, err := tx.SaveMembersPage(ctx, cp, members)
		if err != nil {
			return err
		}
		fetched = n
		if r.s.afterPage != nil {
			e := r.e
			e.Phase, e.PhaseOffset, e.Fetched = cp.Phase, cp.PhaseOffset, n
			if err := r.s.afterPage(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("extraction %d: save page: %w", r.e.ID, err)
	}
	r.cp = cp
	r.fetched = fetched
	return nil
}
