package audit

import "strings"

// The actions of the log. A new one goes into actions below too, so the
// page can name it and filter by it.
const (
	SignedIn = "signed_in"

	AccountConnected     = "account_connected"
	AccountDisconnected  = "account_disconnected"
	AccountLoggedInAgain = "account_logged_in_again"
	AccountRotated       = "account_credentials_rotated"
	SessionTerminated    = "telegram_session_terminated"

	ExtractionStarted  = "extraction_started"
	MemberListExported = "member_list_exported"

	CampaignCreated   = "campaign_created"
	CampaignStarted   = "campaign_started"
	CampaignPaused    = "campaign_paused"
	CampaignResumed   = "campaign_resumed"
	CampaignCancelled = "campaign_cancelled"

	AnswerSent           = "answer_sent"
	ConversationAssigned = "conversation_assigned"

	WebhookCreated = "webhook_created"
	WebhookDeleted = "webhook_deleted"

	TokenCreated = "api_token_created"
	TokenDeleted = "api_token_deleted"

	MemberInvited     = "member_invited"
	MemberRemoved     = "member_removed"
	MemberRoleChanged = "member_role_changed"

	InvitationRevoked  = "invitation_revoked"
	InvitationAccepted = "invitation_accepted"
)

// Target kinds.
const (
	TargetAccount    = "account"
	TargetExtraction = "extraction"
	TargetMemberList = "member_list"
	TargetCampaign   = "campaign"
	TargetChat       = "conversation"
	TargetWebhook    = "webhook"
	TargetToken      = "api_token"
	TargetUser       = "user"
	TargetInvitation = "invitation"
)

// Action is an action with its name in words.
type Action struct {
	Name  string
	Label string
}

var actions = []Action{
	{SignedIn, "Signed in"},
	{AccountConnected, "Telegram account connected"},
	{AccountDisconnected, "Telegram account disconnected"},
	{AccountLoggedInAgain, "Telegram account logged in again"},
	{AccountRotated, "Telegram account credentials rotated"},
	{SessionTerminated, "Telegram session terminated"},
	{ExtractionStarted, "Member extraction started"},
	{MemberListExported, "Member list exported"},
	{CampaignCreated, "Campaign created"},
	{CampaignStarted, "Campaign started"},
	{CampaignPaused, "Campaign paused"},
	{CampaignResumed, "Campaign resumed"},
	{CampaignCancelled, "Campaign cancelled"},
	{AnswerSent, "Inbox answer sent"},
	{ConversationAssigned, "Conversation assigned"},
	{WebhookCreated, "Webhook created"},
	{WebhookDeleted, "Webhook deleted"},
	{TokenCreated, "API token created"},
	{TokenDeleted, "API token deleted"},
	{MemberInvited, "Member invited"},
	{MemberRemoved, "Member removed"},
	{MemberRoleChanged, "Member's role changed"},
	{InvitationRevoked, "Invitation revoked"},
	{InvitationAccepted, "Invitation accepted (member joined)"},
}

// Actions lists every action, in the order the filter shows them.
func Actions() []Action { return append([]Action(nil), actions...) }

// Known reports whether name is an action of the log.
func Known(name string) bool {
	for _, a := range actions {
		if a.Name == name {
			return true
		}
	}
	return false
}

// Label is an action in words.
func Label(name string) string {
	for _, a := range actions {
		if a.Name == name {
			return a.Label
		}
	}
	return strings.ReplaceAll(name, "_", " ")
}

// Member is the event of a change to a workspace's members (invited,
// removed, role changed), for the workspaces package to record:
//
//	audit.Record(ctx, tx, now, workspaceID, audit.ActorFrom(ctx),
//		audit.Member(audit.MemberRoleChanged, member.ID, member.Email, "operator → admin"))
func Member(action string, userID int64, email, detail string) Event {
	return Event{Action: action, TargetKind: TargetUser, TargetID: userID, TargetLabel: email, Detail: detail}
}
