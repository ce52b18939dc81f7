package sandbox

import "time"

// ChatMember is a chat's member as the world defines it, for tests that
// compare what a client fetched with the truth.
type ChatMember struct {
	User
	AccessHash int64
	Admin      bool // admin or creator
	Creator    bool
	Joined     time.Time
}

// ChatMembers lists a chat's members, generated ones included, newest
// first (the order of channels.getParticipants' recent filter); nil for an
// unknown chat.
func (s *Server) ChatMembers(chatID int64) []ChatMember {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.chats[chatID]
	if !ok {
		return nil
	}
	out := make([]ChatMember, 0, len(g.members))
	for i := len(g.members) - 1; i >= 0; i-- {
		p := s.people[g.members[i]]
		out = append(out, ChatMember{
			User: p.User, AccessHash: p.accessHash, Admin: g.isAdmin(p.ID), Creator: g.Creator == p.ID,
			Joined: time.Unix(int64(g.joined(p.ID)), 0).UTC(),
		})
	}
	return out
}

// PhotoSizes lists the sizes the sandbox made of a stored photo (Media.File
// of a message's record), each by its letter with the sha256 of the JPEG
// upload.getFile serves for it, so a test can judge a downloaded size
// byte for byte; nil for a document or an unknown file.
func (s *Server) PhotoSizes(fileID int64) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[fileID]
	if f == nil || !f.Photo {
		return nil
	}
	out := make(map[string]string, len(f.Sizes))
	for _, z := range f.Sizes {
		out[z.Type] = z.SHA256
	}
	return out
}
