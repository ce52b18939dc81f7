// Package extract lists the members of the groups, supergroups and channels
// users' Telegram accounts belong to, into member lists that can be browsed,
// filtered, merged and exported.
//
// An extraction is a River job. It pages through Telegram's lists the way
// Telegram allows and no further: channels.getParticipants in pages of 200
// (recent members; admins and bots too when a cap or hidden members keep
// some back) for supergroups and channels a member may list,
// messages.getFullChat for basic groups. It reports what
// Telegram holds back — the participant cap, hidden members, a broadcast
// channel's subscribers for non-admins — instead of working around it, and
// never sweeps search terms to get past a cap.
//
// Each page's members are saved with the checkpoint (phase, offset) in one
// transaction, so a run that dies resumes where the last page ended, with
// no member twice and none missing. A FLOOD_WAIT snoozes the job for exactly
// the time Telegram asked; PEER_FLOOD and ended sessions stop it.
package extract
