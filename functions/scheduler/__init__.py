"""Campaigns in each recipient's local time: the campaign API and the dispatcher that its schedules fire."""
