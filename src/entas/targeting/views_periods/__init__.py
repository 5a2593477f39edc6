"""Pages of targeting periods, comparisons, a family's status and alerts (issue 5).

A package by sub-domain: `periods` (list, create, counts per area, classify, freeze),
`compare`, `exports` (BNBA list and comparison tables), `households` (a family's status,
causes and findings; alerts), and `common` (role checks, areas, spreadsheet answers).
"""
