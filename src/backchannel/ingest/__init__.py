"""Intake: one module per input format, each turning input into records inside envelopes."""
