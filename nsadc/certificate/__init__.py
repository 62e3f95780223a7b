"""The conservative-field certificate: static facts, runtime report, probes."""
