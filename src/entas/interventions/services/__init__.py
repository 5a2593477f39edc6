"""Writes of the interventions app, one module per part (catalogue, referrals, pledges)."""
