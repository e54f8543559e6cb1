"""Click commands: each module wires one stage's plain functions to the command line."""
