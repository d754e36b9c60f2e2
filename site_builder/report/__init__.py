"""What contributors and reviewers read: problems in three formats, and the change report of `diff`.

Everything here works from what a build gives anyone: its diagnostics, the public facts export
(`data/facts.json`) and the pages readers see. Nothing reaches into the builder's own classes.
"""
