"""entas: registri keluarga miskin ekstrem dan pengentasannya."""
