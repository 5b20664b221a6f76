"""Pure domain types and vocabularies: no storage, no web, no framework imports."""
