"""The call-time engine: commands, next-contact ranking, outcome logging, undo, stats, drafts.

Everything here works without a language model; the LLM's tools call the same
functions, so a pledge recorded by ``pledged 25k`` and one recorded by the model are
the same rows.
"""
