"""Model ⇄ STIX 2.1. Ours is the only STIX writer; the ``stix2`` library is a test oracle."""
