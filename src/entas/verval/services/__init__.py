"""Changing verval data. Every function validates, writes and audits in one transaction."""
