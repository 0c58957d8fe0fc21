"""Formal complaints in the SLA engine: statutory presets, deadlines, letters, the register."""
