"""Who may do what, in one place: the staff a user belongs to (members), the API's token auth
per role and scope (auth), the page decorators (pages), and the per-object check that answers
404 for another tenant's rows (objects). Domain services use only `members`."""
