package api

// routes registers every endpoint group; add one line per new file.
func (a *API) routes() {
	a.registerMe()
	a.registerAccounts()
	a.registerChats()
	a.registerExtractions()
	a.registerMedia()
	a.registerCampaigns()
	a.registerSuppressions()
	a.registerConversations()
	a.registerWebhooks()
	a.registerWorkspaces()
	a.registerInvitations()
	a.registerAudit()
}
