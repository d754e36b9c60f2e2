"""A site for the search tests: the theme's test site, a fact sheet with a body, words in other scripts,
and enough fact sheets besides that a small shard limit splits the index into several shards."""

from theme_site import SITE

FILLER_WORDS = ("tide quay lantern rope anchor buoy crane ferry gull mooring pier ledger signal chart "
                "dredger tug keel hull wharf slipway beacon").split()


def search_site(fillers: int = 30) -> dict[str, str]:
    files = dict(SITE)
    files["content/facts/ships/grey-heron.yml"] = """\
        name: Grey Heron
        summary: The harbour's oldest pilot boat.
        launched: 1961
        body: |
          She was rebuilt at the Kestrel yard in 1998, with a new wheelhouse.
        """
    files["content/facts/ships/zarya.yml"] = """\
        name: Zarya
        summary: A visiting research vessel.
        aliases: [Заря]
        launched: 1984
        """
    files["content/explainers/the-northern-port.md"] = """\
        ---
        title: The northern port
        summary: A delegation from 평양 visited the harbour.
        date: 2024-04-01
        ---

        A delegation from 평양 came to see how the harbour is run. They toured the quay and the
        [[ships/zarya]] before talks with the [[organizations/harbour-authority]].
        """
    for n in range(fillers):
        a, b, c = (FILLER_WORDS[(n * k) % len(FILLER_WORDS)] for k in (1, 3, 7))
        files[f"content/facts/people/pilot-{n:02d}.yml"] = f"""\
        name: Pilot {n:02d} {a.title()}
        summary: A harbour pilot who knows the {b} and the {c}.
        role: Harbour pilot
        employer: organizations/harbour-authority
        body: |
          Works the {a} shift near the {b}, and keeps the {c} log. Number {n}.
        """
    return files
