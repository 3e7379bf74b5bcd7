"""The issue log: one list of problems for the whole product, from studies and (later) topics."""
