"""Deterministic generator of fictional intelligence data as STIX 2.1 bundles.

``generate(out_dir, persons=N, seed=S)`` writes one bundle per source (three services, one relayed
partner, a news monitor), ``manifest.json`` with each bundle's envelope and ``truth.csv`` mapping
every person record to the fictional person behind it: the benchmark for entity resolution.
All people, groups and their combinations of names are invented.
"""

from backchannel.synth.generate import SynthSummary, generate

__all__ = ["SynthSummary", "generate"]
